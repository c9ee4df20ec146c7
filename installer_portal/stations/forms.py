"""Forms for finding a station: a typed MAC address, what the in-page scanner read, or a photo."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from core.forms import REQUIRED, Form
from core.i18n import _l


class MacForm(Form):
    mac = StringField(_l("MAC address"), validators=[DataRequired(REQUIRED), Length(max=40)],
                      description=_l("On the station's label, e.g. 00:1A:2B:3C:4D:5E."),
                      render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})


class CodeForm(Form):
    """What the in-page scanner read from a QR code."""

    code = HiddenField(validators=[DataRequired(REQUIRED), Length(max=500)])


class PhotoFindForm(Form):
    photo = FileField(_l("Photo of the QR code"), validators=[DataRequired(_l("Choose or take a photo."))],
                      render_kw={"accept": "image/*", "capture": "environment"})
