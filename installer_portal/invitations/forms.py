"""The form that sets up an installer account."""

from __future__ import annotations

from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from core.forms import REQUIRED, Form
from core.i18n import _l

from ..markets import Region

#: Where a North American electrical licence can come from: US states and DC, Canadian provinces and territories.
LICENCE_REGIONS = {
    "US": ("AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
           "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC",
           "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY"),
    "CA": ("AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"),
}


class InstallerSetupForm(Form):
    business_name = StringField(_l("Trading name or employer"), validators=[DataRequired(REQUIRED), Length(max=200)],
                                description=_l("The business you install charging stations for."),
                                render_kw={"autocomplete": "organization"})
    licence_number = StringField(_l("Electrical license number"), validators=[Optional(), Length(max=50)],
                                 render_kw={"autocomplete": "off", "spellcheck": "false"})
    licence_region = SelectField(_l("State or province that issued the license"), validators=[Optional()])
    terms = BooleanField(_l("I accept the installer terms."),
                         validators=[DataRequired(_l("Accept the installer terms to continue."))])

    def __init__(self, region: Region, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_licence = region == Region.NORTH_AMERICA
        if self.needs_licence:
            self.licence_number.validators = [InputRequired(REQUIRED), Length(max=50)]
            self.licence_region.validators = [InputRequired(REQUIRED)]
            # Flags are read from the validators when fields are bound, so mark them required here too.
            self.licence_number.flags.required = self.licence_region.flags.required = True
            self.licence_region.choices = [SelectChoice("", "—")] + [
                SelectChoice(f"{country}-{code}", f"{code} ({country})")
                for country, codes in LICENCE_REGIONS.items() for code in codes]
        else:
            del self.licence_number
            del self.licence_region
