"""Forms for finding a station and for the commissioning wizard's steps."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_wtf.file import FileField
from wtforms import DecimalField, HiddenField, IntegerField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from ..accounts.regions import Region, country_choices
from ..forms import PortalForm
from ..i18n import _l
from .models import PhotoKind
from .services import ACCESS, EARTHING_SYSTEMS, NETWORKS, RCD_TYPES

_REQUIRED = _l("This field is required.")


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]

_WHOLE_AMPS = _l("Give a whole number of amperes.")


class MacForm(PortalForm):
    mac = StringField(_l("MAC address"), validators=[DataRequired(_REQUIRED), Length(max=40)],
                      description=_l("On the station's label, e.g. 00:1A:2B:3C:4D:5E."),
                      render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})


class CodeForm(PortalForm):
    """What the in-page scanner read from a QR code."""

    code = HiddenField(validators=[DataRequired(_REQUIRED), Length(max=500)])


class PhotoFindForm(PortalForm):
    photo = FileField(_l("Photo of the QR code"), validators=[DataRequired(_l("Choose or take a photo."))],
                      render_kw={"accept": "image/*", "capture": "environment"})


class _Coordinate(DecimalField):
    """A latitude or longitude, typed with a decimal point or comma.

    A text input, not a number one: phones' decimal keypads often lack the minus sign west of Greenwich.
    """

    widget = TextInput()

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip():
            try:
                self.data = Decimal(valuelist[0].strip().replace(",", ".")).quantize(Decimal("0.000001"))
            except InvalidOperation:
                self.data = None
                raise ValueError(_l("Give a number like 59.913868.")) from None
        else:
            self.data = None


class _Amperes(IntegerField):
    """A whole number of amperes; anything else gets our message rather than WTForms' "Not a valid integer"."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_WHOLE_AMPS) from None


class LocationForm(PortalForm):
    site_name = StringField(_l("Site name"), validators=[DataRequired(_REQUIRED), Length(max=120)],
                            description=_l("What people call the place, e.g. “Hansen family, driveway”."))
    street = StringField(_l("Street address"), validators=[DataRequired(_REQUIRED), Length(max=200)],
                         render_kw={"autocomplete": "street-address"})
    postal_code = StringField(_l("Postal code"), validators=[DataRequired(_REQUIRED), Length(max=20)],
                              render_kw={"autocomplete": "postal-code"})
    city = StringField(_l("City"), validators=[DataRequired(_REQUIRED), Length(max=100)],
                       render_kw={"autocomplete": "address-level2"})
    country = SelectField(_l("Country"), validators=[InputRequired(_REQUIRED)])
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


class InstallationForm(PortalForm):
    breaker_a = _Amperes(_l("Circuit breaker rating (A)"),
                             validators=[InputRequired(_WHOLE_AMPS),
                                         NumberRange(min=6, max=200, message=_l("Give a rating from 6 to 200 A."))],
                             render_kw={"inputmode": "numeric"})
    max_current_a = _Amperes(_l("Maximum current set in the station (A)"),
                                 validators=[InputRequired(_WHOLE_AMPS),
                                             NumberRange(min=6, max=80, message=_l("Give a current from 6 to 80 A."))],
                                 render_kw={"inputmode": "numeric"})
    phases = RadioField(_l("Phases"), choices=[SelectChoice("1", _l("1 phase")), SelectChoice("3", _l("3 phases"))],
                        validators=[InputRequired(_l("Choose 1 or 3 phases."))])
    earthing = RadioField(_l("Earthing system"), choices=[SelectChoice(name, name) for name in EARTHING_SYSTEMS],
                          validators=[InputRequired(_l("Choose the earthing system."))])
    rcd_type = RadioField(_l("Residual-current protection"),
                          validators=[InputRequired(_l("Choose the residual-current protection."))])
    network = RadioField(_l("Network"), choices=_choices(NETWORKS),
                         validators=[InputRequired(_l("Choose the network."))])
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


class PhotoForm(PortalForm):
    kind = SelectField(_l("What the photo shows"), validators=[InputRequired(_REQUIRED)])
    photo = FileField(_l("Photo"), validators=[DataRequired(_l("Choose or take a photo."))],
                      render_kw={"accept": "image/*", "capture": "environment"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(kind.value, kind.label) for kind in PhotoKind]
