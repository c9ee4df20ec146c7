"""Forms of the commissioning wizard's steps."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal as babel_decimal
from flask_babel import format_decimal, get_locale
from flask_wtf.file import FileField
from wtforms import DecimalField, Field, HiddenField, IntegerField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from core.forms import REQUIRED, Form
from core.i18n import _l
from core.numbers import parse_decimal

from ..markets import Region, country_choices
from .models import PhotoKind
from .rules import (
    ACCESS,
    BREAKER_CURVES,
    MIN_CURRENT_A,
    NETWORKS,
    RCD_TYPES,
    READINGS,
    SUPPLIES,
    Circuit,
    Earthing,
    Measurement,
    required_measurements,
    requirement,
)


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
    #: A whole number where the unit has no decimals (ms), else a Decimal.
    data: Decimal | int | None

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
    breaker_curve = RadioField(_l("Circuit breaker curve"), choices=[SelectChoice(curve, curve)
                                                                     for curve in BREAKER_CURVES],
                               validators=[InputRequired(_l("Choose the circuit breaker's curve."))])
    phases = RadioField(_l("Phases"), choices=[SelectChoice("1", _l("1 phase")), SelectChoice("3", _l("3 phases"))],
                        validators=[InputRequired(_l("Choose 1 or 3 phases."))])
    earthing = RadioField(_l("Earthing system"), validators=[InputRequired(_l("Choose the earthing system."))])
    supply_v = RadioField(_l("Supply voltage"), choices=[SelectChoice(str(volts), label)
                                                         for volts, label in SUPPLIES.items()],
                          validators=[InputRequired(_l("Choose the supply voltage."))])
    rcd_type = RadioField(_l("Residual-current protection"),
                          validators=[InputRequired(_l("Choose the residual-current protection."))])
    network = RadioField(_l("Network"), choices=_choices(NETWORKS),
                         validators=[InputRequired(_l("Choose the network."))])
    # Translators: who may charge at the station: private (e.g. a home's driveway) or the public. Not accessibility.
    access = RadioField(_l("Access"), choices=_choices(ACCESS),
                        validators=[InputRequired(_l("Choose the access."))])

    def __init__(self, region: Region, *args, site_country: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rcd_type.choices = _choices(RCD_TYPES[region])
        if region == Region.NORTH_AMERICA:
            self.max_current_a.description = _l("At most 80 percent of the breaker rating: "
                                                "charging is a continuous load.")
            del self.earthing
            del self.supply_v
            del self.breaker_curve
        else:
            self.earthing.choices = [SelectChoice(system.value, system.label) for system in Earthing]
            self.max_current_a.description = _l("At most the breaker rating.")
            if site_country == "NO":  # a hint for Norway's grid; it would only puzzle an installer elsewhere
                self.supply_v.description = _l("Most Norwegian homes have 230 V between phases (IT or TT).")


class PhotoForm(Form):
    kind = SelectField(_l("What the photo shows"), validators=[InputRequired(REQUIRED)])
    photo = FileField(_l("Photo"), validators=[DataRequired(_l("Choose or take a photo."))],
                      render_kw={"accept": "image/*", "capture": "environment"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(kind.value, kind.label) for kind in PhotoKind]


class _Reading(StringField):
    """A reading from a test instrument, typed with a decimal point or comma, in the measurement's fixed unit.

    A text input with a decimal keypad: `type=number` refuses a comma in some browsers and drops what it refuses.
    """

    #: A whole number where the unit has no decimals (ms), else a Decimal.
    data: Decimal | int | None

    def __init__(self, measurement: Measurement, **kwargs):
        reading = READINGS[measurement]
        super().__init__(_l("%(measurement)s (%(unit)s)", measurement=measurement.label, unit=reading.unit), **kwargs)
        self.reading = reading

    def process_formdata(self, valuelist: list[str]) -> None:
        text = valuelist[0].strip() if valuelist else ""
        self.data = None
        self.raw_data = [text]
        if not text:
            return
        value = parse_decimal(text, places=self.reading.places)
        if value is None:
            if self.reading.places:
                raise ValueError(_l("Type the reading as a number with at most %(places)s decimals, for example "
                                    "%(example)s.", places=self.reading.places,
                                    example=format_decimal(Decimal("0.22") if self.reading.places > 1 else
                                                           Decimal("22.5"))))
            raise ValueError(_l("Type the reading as a whole number, for example 24."))
        if not 0 <= value <= self.reading.maximum:
            raise ValueError(_l("%(value)s %(unit)s is not a reading this test gives: give one from 0 to %(max)s "
                                "%(unit)s.", value=format_decimal(value), unit=self.reading.unit,
                                max=format_decimal(self.reading.maximum)))
        self.data = value if self.reading.places else int(value)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        # Without grouping: "1.800" (nl) would come back as 1.8 and "1 800" (nb) be refused on the next save.
        return babel_decimal(self.data, locale=get_locale(), group_separator=False) if self.data is not None else ""


_PASS_FAIL = [SelectChoice("pass", _l("Pass")), SelectChoice("fail", _l("Fail"))]


class TestsForm(Form):
    """The instrument; `tests_form` adds the measurements the circuit requires, one field each (named as its
    column).

    A reading outside what an instrument plausibly shows is a form error and nothing is stored; a plausible
    reading that fails its requirement is stored, and confirming then says why not.
    """

    instrument = StringField(_l("Test instrument"), validators=[DataRequired(
        _l("Give the instrument's make, model and serial number.")), Length(max=120)],
        description=_l("Make, model and serial number, e.g. “Fluke 1664 FC, 12345678”."))
    measurements: list[Measurement]


def tests_form(circuit: Circuit, **kwargs) -> TestsForm:
    """The tests step's form for this circuit: its required measurements, each with its requirement as help."""
    measurements = required_measurements(circuit)
    fields: dict[str, Field] = {}
    for measurement in measurements:
        help_text = _l("Required: %(requirement)s.", requirement=requirement(measurement, circuit))
        reading = READINGS.get(measurement)
        if reading:
            fields[measurement.value] = _Reading(
                measurement, validators=[InputRequired(REQUIRED)], description=help_text,
                render_kw={"inputmode": "decimal" if reading.places else "numeric", "autocomplete": "off"})
        else:
            fields[measurement.value] = RadioField(measurement.label, choices=_PASS_FAIL, description=help_text,
                                                   validators=[InputRequired(_l("Choose pass or fail."))])
    form = type("CircuitTestsForm", (TestsForm,), fields)(**kwargs)
    form.measurements = measurements
    return form
