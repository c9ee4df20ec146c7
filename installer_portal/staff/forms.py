"""The console's forms: one per staff action, and the station registry's uploads."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import EmailField, HiddenField, TextAreaField
from wtforms.validators import Length

from core.forms import Form
from core.i18n import _l

#: The longest reason kept in the audit log.
REASON_LENGTH = 1000


class StaffActionForm(Form):
    """Every staff action asks why; the action itself refuses an empty reason (so the CLI is held to it too)."""

    reason = TextAreaField(_l("Reason"), validators=[Length(max=REASON_LENGTH)],
                           render_kw={"rows": 2, "required": True, "maxlength": REASON_LENGTH})


class RevokeCertificateForm(StaffActionForm):
    number = HiddenField(validators=[Length(max=40)])


class TransferStationForm(StaffActionForm):
    email = EmailField(_l("The installer's email address"), validators=[Length(max=254)],
                       render_kw={"required": True, "maxlength": 254, "autocomplete": "off"})


class StationImportForm(Form):
    file = FileField(_l("CSV file"))


class PhotoCheckForm(Form):
    photo = FileField(_l("Photo of the QR code"))
