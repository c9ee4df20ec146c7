"""The console's outgoing mail: what waits, what fails and why, and sending a message again."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from core.database import db
from core.i18n import _
from core.mail.services import outbox_overview, retry_now

from .blueprint import bp


@bp.route("/outbox")
def outbox() -> ResponseReturnValue:
    return render_template("support/outbox.html", groups=outbox_overview(request.args))


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
def outbox_retry(message_id: int) -> ResponseReturnValue:
    if retry_now(message_id):
        db.session.commit()
        flash(_("The message will be sent again within a minute."), "success")
    else:
        flash(_("This message has already been sent."), "info")
    return redirect(url_for(".outbox"))
