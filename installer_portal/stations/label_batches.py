"""Label sheets of any size: asked for as a saved batch, rendered in parts by a job worker, downloaded when ready."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import ColumnElement, and_, or_, select, update

from core.database import changed_rows, db, utcnow
from core.errors import Refusal
from core.i18n import _l
from core.jobs import after_commit, crontab, job, periodic
from core.pdf import join_pdf

from ..accounts.models import User
from .labels import PAPER_SIZES, label_sheet_part
from .models import LabelBatch, LabelBatchStatus, Station
from .registry import newest_stations, registered_stations, search_stations

logger = logging.getLogger(__name__)

#: The most labels one sheet holds (the console lists 500 stations at a time).
MAX_LABELS = 1000
#: Labels laid out at a time, between progress reports: whole pages on A4 (8 a page) and Letter (6 a page).
PART = 24
#: A worker reports progress every PART labels (a few seconds); a claim this old was left by a worker that died.
STALE_CLAIM = timedelta(minutes=10)


def ask_for_labels(user: User, paper: str, locale: str, *, serials: list[str] | None = None,
                   search: str | None = None) -> LabelBatch:
    """Save a label sheet for the stations with these serial numbers, or for every station the console's search
    finds, and queue its rendering when this commits. The sheet is printed in `locale`."""
    if paper not in PAPER_SIZES:
        raise Refusal(_l("Choose A4 or Letter paper."), field="paper")
    if serials is not None and len(serials) > MAX_LABELS:
        raise Refusal(_l("A label sheet holds at most %(count)s labels: choose fewer stations.", count=MAX_LABELS))
    if serials is not None:
        stations = registered_stations(serials, limit=MAX_LABELS + 1)
    elif search:
        stations = search_stations(search, limit=MAX_LABELS + 1)
    else:
        stations = newest_stations(limit=MAX_LABELS + 1)
    if not stations:
        raise Refusal(_l("Choose at least one station."))
    if len(stations) > MAX_LABELS:
        raise Refusal(_l("More than %(count)s stations match: narrow the search, or choose the stations.",
                         count=MAX_LABELS))
    batch = LabelBatch(requested_by_id=user.id, station_ids=[station.id for station in stations], paper=paper,
                       locale=locale)
    db.session.add(batch)
    db.session.flush()
    after_commit(render_label_batch, batch.id)
    return batch


def label_batch(batch_id: int) -> LabelBatch | None:
    return db.session.get(LabelBatch, batch_id)


def retry_label_batch(batch: LabelBatch) -> None:
    """Render a failed sheet again once this commits."""
    if not changed_rows(update(LabelBatch)
                        .where(LabelBatch.id == batch.id, LabelBatch.status == LabelBatchStatus.FAILED)
                        .values(status=LabelBatchStatus.QUEUED, done=0, error=None)
                        .execution_options(synchronize_session=False)):
        raise Refusal(_l("Only a label sheet whose rendering failed can be rendered again."))
    after_commit(render_label_batch, batch.id)


def _claimable() -> ColumnElement[bool]:
    return or_(LabelBatch.status == LabelBatchStatus.QUEUED,
               and_(LabelBatch.status == LabelBatchStatus.RENDERING, LabelBatch.heartbeat_at < utcnow() - STALE_CLAIM))


def _claim(batch_id: int) -> bool:
    """Take the batch for this worker: of two workers asked to render it (a second host, the sweep), one wins."""
    claimed = changed_rows(update(LabelBatch).where(LabelBatch.id == batch_id, _claimable())
                           .values(status=LabelBatchStatus.RENDERING, done=0, heartbeat_at=utcnow(), error=None)
                           .execution_options(synchronize_session=False)) == 1
    db.session.commit()
    return claimed


@job
def render_label_batch(batch_id: int) -> None:
    """Render a label sheet PART labels at a time, saving the progress after each part, and keep the PDF.

    Any error marks the batch failed with the error's text, for staff to read and try again.
    """
    if not _claim(batch_id):
        return
    batch = db.session.get_one(LabelBatch, batch_id)
    try:
        with force_locale(batch.locale):
            parts = []
            for start in range(0, batch.total, PART):
                ids = batch.station_ids[start:start + PART]
                found = {station.id: station for station in db.session.scalars(select(Station)
                                                                               .where(Station.id.in_(ids)))}
                parts.append(label_sheet_part([found[id_] for id_ in ids if id_ in found], batch.paper))
                batch.done, batch.heartbeat_at = start + len(ids), utcnow()
                db.session.commit()
            batch.pdf = join_pdf(parts)
    except Exception as error:
        logger.exception("Label sheet %s failed.", batch_id)
        db.session.rollback()
        batch.status, batch.error = LabelBatchStatus.FAILED, f"{type(error).__name__}: {error}"[:500]
        db.session.commit()
        return
    batch.status, batch.finished_at = LabelBatchStatus.READY, utcnow()
    db.session.commit()
    logger.info("Label sheet %s: %s labels rendered.", batch_id, batch.total)


@periodic(crontab(minute="*/5"))
def sweep_label_batches() -> None:
    """Every five minutes: sheets whose rendering was never queued (the queue was unreachable at commit) or whose
    worker died."""
    waiting = db.session.scalars(select(LabelBatch.id).where(
        _claimable(), LabelBatch.requested_at < utcnow() - timedelta(minutes=1))).all()
    for batch_id in waiting:
        render_label_batch(batch_id)
