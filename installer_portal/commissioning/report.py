"""The commissioning report: a PDF rendered once, at confirmation, in the installer's language."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import select

from core.database import db
from core.i18n import force_timezone
from core.pdf import data_uri, render_pdf

from ..markets import locale_for, zone_of
from .models import Commissioning, CommissioningReport
from .rules import choice_labels


def report_filename(commissioning: Commissioning) -> str:
    return f"commissioning-{commissioning.station.serial}.pdf"


def store_report(commissioning: Commissioning, locale: str) -> CommissioningReport:
    """Render the report once, on the paper of the installer's region, and keep it.

    Its times are the station's local time (with the zone's name), whoever reads it and wherever.
    """
    photos = [(photo, data_uri(photo.jpeg, "image/jpeg")) for photo in commissioning.photos]
    region = commissioning.installer.region
    with force_locale(locale_for(locale, region)), force_timezone(zone_of(region, commissioning.country)):
        html = render_template("pdf/commissioning_report.html", commissioning=commissioning, photos=photos,
                               page_size=region.paper_size, **choice_labels(region))
    report = CommissioningReport(commissioning_id=commissioning.id, locale=locale, pdf=render_pdf(html))
    db.session.add(report)
    db.session.flush()
    return report


def report_of(commissioning: Commissioning) -> CommissioningReport | None:
    return db.session.scalar(select(CommissioningReport)
                             .where(CommissioningReport.commissioning_id == commissioning.id))
