"""The console's label sheets: asked for by POST, rendered by a job worker, followed on their own page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core.database import db
from core.downloads import attachment
from core.errors import Refusal
from core.i18n import current_language

from ...stations.label_batches import ask_for_labels, label_batch, retry_label_batch
from ...stations.models import LabelBatch, LabelBatchStatus
from .blueprint import bp

#: How often the page of a sheet being rendered reloads itself (no JavaScript needed).
REFRESH_SECONDS = 3


def _batch(batch_id: int) -> LabelBatch:
    batch = label_batch(batch_id)
    if batch is None:
        abort(404)
    return batch


@bp.route("/labels", methods=["POST"])
def labels_ask() -> ResponseReturnValue:
    """The station list's label form: the ticked stations, or (scope=all) every station its search finds."""
    everything = request.form.get("scope") == "all"
    try:
        batch = ask_for_labels(current_user, request.form.get("paper", ""), current_language(),
                               serials=None if everything else request.form.getlist("serial"),
                               search=request.form.get("q", "") if everything else None)
    except Refusal as refusal:
        flash(refusal.message, "error")
        return redirect(url_for(".stations", q=request.form.get("q") or None))
    db.session.commit()
    return redirect(url_for(".label_sheet", batch_id=batch.id))


@bp.route("/labels/<int:batch_id>")
def label_sheet(batch_id: int) -> ResponseReturnValue:
    batch = _batch(batch_id)
    done = batch.status in (LabelBatchStatus.READY, LabelBatchStatus.FAILED)
    return render_template("support/label_sheet.html", batch=batch, refresh=None if done else REFRESH_SECONDS)


@bp.route("/labels/<int:batch_id>/retry", methods=["POST"])
def label_sheet_retry(batch_id: int) -> ResponseReturnValue:
    try:
        retry_label_batch(_batch(batch_id))
    except Refusal as refusal:
        flash(refusal.message, "info")
    else:
        db.session.commit()
    return redirect(url_for(".label_sheet", batch_id=batch_id))


@bp.route("/labels/<int:batch_id>/labels.pdf")
def label_sheet_pdf(batch_id: int) -> ResponseReturnValue:
    batch = _batch(batch_id)
    if batch.status != LabelBatchStatus.READY or batch.pdf is None:
        abort(404)
    return attachment(batch.pdf, "application/pdf", f"station-labels-{batch.id}-{batch.paper}.pdf")
