"""Forms for sign-up, login, password and profile. Labels and messages are lazy: translated per request."""

from __future__ import annotations

from babel.dates import get_timezone_location
from flask_babel import get_locale
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, ValidationError

from core.forms import REQUIRED, Form
from core.i18n import LANGUAGES, _, _l

from ..markets import Region, country_choices, zone_choices
from . import passwords
from .services import AccountError, normalize_email, normalize_mobile


def _valid_email(form, field) -> None:
    try:
        field.data = normalize_email(field.data)
    except AccountError as error:
        raise ValidationError(error.message) from error


def _strong_password(form, field) -> None:
    personal: tuple[str, ...] = ()
    if "email" in form and form.email.data:
        personal = (form.email.data.partition("@")[0],)
    problems = passwords.password_problems(field.data or "", personal)
    if problems:
        raise ValidationError(problems[0])


def _email_field():
    return EmailField(_l("Email address"), validators=[DataRequired(REQUIRED), Length(max=254), _valid_email],
                      render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"})


def _new_password_fields():
    password = PasswordField(
        _l("Password"), validators=[InputRequired(REQUIRED), _strong_password],
        description=_l("At least 12 characters. A few unrelated words make a strong, memorable password."),
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Confirm password"),
        validators=[InputRequired(REQUIRED), EqualTo("password", _l("The two passwords do not match."))],
        render_kw={"autocomplete": "new-password"})
    return password, confirm


class SignUpForm(Form):
    region = RadioField(_l("Where do you install?"), choices=[], validators=[InputRequired(_l("Choose your region."))])
    email = _email_field()
    password, confirm_password = _new_password_fields()
    terms = BooleanField(_l("I accept the terms and conditions."),
                         validators=[DataRequired(_l("You need to accept the terms and conditions to sign up."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Labels are resolved per request, in the reader's language.
        self.region.choices = [SelectChoice(region.value, region.label) for region in Region]


class LoginForm(Form):
    email = EmailField(_l("Email address"), validators=[DataRequired(REQUIRED), Length(max=254)],
                       render_kw={"autocomplete": "username", "inputmode": "email", "spellcheck": "false"})
    password = PasswordField(_l("Password"), validators=[InputRequired(REQUIRED)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me logged in on this device for 14 days"))


class EmailForm(Form):
    """One email field: resend the confirmation link, or ask for a reset link."""

    email = _email_field()


class ResetPasswordForm(Form):
    password, confirm_password = _new_password_fields()


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[InputRequired(REQUIRED)],
                                     render_kw={"autocomplete": "current-password"})
    password, confirm_password = _new_password_fields()


class ConfirmPasswordForm(Form):
    """The password typed again before an action that needs a fresh login (accounts.freshness)."""

    password = PasswordField(_l("Password"), validators=[InputRequired(REQUIRED)],
                             render_kw={"autocomplete": "current-password"})


class ProfileForm(Form):
    first_name = StringField(_l("First name"), validators=[DataRequired(REQUIRED), Length(max=100)],
                             render_kw={"autocomplete": "given-name"})
    last_name = StringField(_l("Last name"), validators=[DataRequired(REQUIRED), Length(max=100)],
                            render_kw={"autocomplete": "family-name"})
    country = SelectField(_l("Country"), validators=[InputRequired(REQUIRED)])
    phone = TelField(_l("Mobile phone"), validators=[DataRequired(REQUIRED), Length(max=32)],
                     description=_l("We call this number only about your account or a station you installed."),
                     render_kw={"autocomplete": "tel", "inputmode": "tel"})
    locale = SelectField(_l("Preferred language"),
                         choices=[SelectChoice(code, name, render_kw={"lang": code})
                                  for code, name in LANGUAGES.items()],
                         validators=[InputRequired(REQUIRED)],
                         description=_l("Pages and emails will be in this language."))
    company_name = StringField(_l("Company name (optional)"), validators=[Optional(), Length(max=200)],
                               render_kw={"autocomplete": "organization"})
    # The service refuses a zone outside the region with its own message; "" is the country's zone.
    time_zone = SelectField(_l("Time zone"), validate_choice=False,
                            description=_l("Pages and emails show times in this zone."))

    def __init__(self, region: Region, country_zone: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        locale = str(get_locale())
        # Only the region's countries and zones, named in the language of the page.
        self.country.choices = [SelectChoice(code, name) for code, name in country_choices(region, locale)]
        own = get_timezone_location(country_zone, locale=locale)
        self.time_zone.choices = [SelectChoice("", _("My country's time (%(zone)s)", zone=own)),
                                  *(SelectChoice(zone, name) for zone, name in zone_choices(region, locale))]

    def validate_phone(self, field) -> None:
        if self.country.data:
            try:
                field.data = normalize_mobile(field.data, self.country.data)
            except AccountError as error:
                raise ValidationError(error.message) from error
