"""Development only: the mail the file transport wrote, so a newcomer can click the links."""

from __future__ import annotations

import email
import email.policy
import re

from flask import Blueprint, current_app, render_template

from core.mail.services import outbox_files

bp = Blueprint("dev", __name__, url_prefix="/dev")

_LINK = re.compile(r"https?://[^\s<>\"]+")


@bp.route("/outbox")
def outbox():
    messages = []
    for path in outbox_files(current_app.config["MAIL_OUTBOX_DIR"])[:50]:
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = parsed.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        messages.append({"to": parsed["To"], "subject": parsed["Subject"], "date": parsed["Date"],
                         "text": text, "links": _LINK.findall(text)})
    return render_template("dev/outbox.html", messages=messages)
