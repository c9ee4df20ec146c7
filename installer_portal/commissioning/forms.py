"""Forms of the commissioning wizard's steps."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_wtf.file import FileField
from wtforms import DecimalField, HiddenField, IntegerField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from core.forms import REQUIRED, Form
from core.i18n import _l

from ..markets import Region, country_choices
from .models import PhotoKind
from .rules import ACCESS, EARTHING_SYSTEMS, MIN_CURRENT_A, NETWORKS, RCD_TYPES


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]

_WHOLE_AMPS = _l("Give a whole number of amperes.")
#: The largest breaker and station current the form accepts: beyond them a typo is more likely than a site.
MAX_BREAKER_A = 200
MAX_STATION_CURRENT_A = 80


class _Coordinate(DecimalField):
    """A latitude or longitude, typed with a decimal point or comma.

    A text input, not a number one: phones' decimal keypads often lack the minus sign west of Greenwich.
    """

    widget = TextInput()
    data: Decimal | None

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist and valuelist[0].strip():
            try:
                self.data = Decimal(valuelist[0].strip().replace(",", ".")).quantize(Decimal("0.000001"))
            except InvalidOperation:
                self.data = None
                raise ValueError(_l("Give a number in decimal degrees, e.g. 59.913868.")) from None
        else:
            self.data = None


class _Amperes(IntegerField):
    """A whole number of amperes; anything else gets our message rather than WTForms' "Not a valid integer"."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_WHOLE_AMPS) from None


class LocationForm(Form):
    site_name = StringField(_l("Site name"), validators=[DataRequired(REQUIRED), Length(max=120)],
                            description=_l("What people call the place, e.g. “Hansen family, driveway”."))
    street = StringField(_l("Street address"), validators=[DataRequired(REQUIRED), Length(max=200)],
                         render_kw={"autocomplete": "street-address"})
    postal_code = StringField(_l("Postal code"), validators=[DataRequired(REQUIRED), Length(max=20)],
                              render_kw={"autocomplete": "postal-code"})
    city = StringField(_l("City"), validators=[DataRequired(REQUIRED), Length(max=100)],
                       render_kw={"autocomplete": "address-level2"})
    country = SelectField(_l("Country"), validators=[InputRequired(REQUIRED)])
    latitude = _Coordinate(_l("Latitude"), places=6, validators=[Optional()],
                           render_kw={"autocomplete": "off", "spellcheck": "false"})
    longitude = _Coordinate(_l("Longitude"), places=6, validators=[Optional()],
                            render_kw={"autocomplete": "off", "spellcheck": "false"})
    accuracy_m = IntegerField(validators=[Optional(), NumberRange(min=0, max=100000)], widget=HiddenField.widget)
    floor = StringField(_l("Floor (optional)"), validators=[Optional(), Length(max=40)])
    parking_bay = StringField(_l("Parking bay (optional)"), validators=[Optional(), Length(max=40)])

    def __init__(self, region: Region, locale: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [SelectChoice("", "—"), *(SelectChoice(code, name)
                                                          for code, name in country_choices(region, locale))]


class InstallationForm(Form):
    breaker_a = _Amperes(_l("Circuit breaker rating (A)"), render_kw={"inputmode": "numeric"}, validators=[
        InputRequired(_WHOLE_AMPS), NumberRange(min=MIN_CURRENT_A, max=MAX_BREAKER_A, message=_l(
            "Give a rating from %(min)s to %(max)s A.", min=MIN_CURRENT_A, max=MAX_BREAKER_A))])
    max_current_a = _Amperes(_l("Maximum current set in the station (A)"), render_kw={"inputmode": "numeric"},
                             validators=[InputRequired(_WHOLE_AMPS), NumberRange(
                                 min=MIN_CURRENT_A, max=MAX_STATION_CURRENT_A, message=_l(
                                     "Give a current from %(min)s to %(max)s A.", min=MIN_CURRENT_A,
                                     max=MAX_STATION_CURRENT_A))])
    phases = RadioField(_l("Phases"), choices=[SelectChoice("1", _l("1 phase")), SelectChoice("3", _l("3 phases"))],
                        validators=[InputRequired(_l("Choose 1 or 3 phases."))])
    earthing = RadioField(_l("Earthing system"), choices=[SelectChoice(name, name) for name in EARTHING_SYSTEMS],
                          validators=[InputRequired(_l("Choose the earthing system."))])
    rcd_type = RadioField(_l("Residual-current protection"),
                          validators=[InputRequired(_l("Choose the residual-current protection."))])
    network = RadioField(_l("Network"), choices=_choices(NETWORKS),
                         validators=[InputRequired(_l("Choose the network."))])
    # Translators: who may charge at the station: private (e.g. a home's driveway) or the public. Not accessibility.
    access = RadioField(_l("Access"), choices=_choices(ACCESS),
                        validators=[InputRequired(_l("Choose the access."))])

    def __init__(self, region: Region, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rcd_type.choices = _choices(RCD_TYPES[region])
        if region == Region.NORTH_AMERICA:
            self.max_current_a.description = _l("At most 80 percent of the breaker rating: "
                                                "charging is a continuous load.")
            del self.earthing
        else:
            self.max_current_a.description = _l("At most the breaker rating.")


class PhotoForm(Form):
    kind = SelectField(_l("What the photo shows"), validators=[InputRequired(REQUIRED)])
    photo = FileField(_l("Photo"), validators=[DataRequired(_l("Choose or take a photo."))],
                      render_kw={"accept": "image/*", "capture": "environment"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(kind.value, kind.label) for kind in PhotoKind]
