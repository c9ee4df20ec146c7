"""Writing and reading the audit log."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.database import db
from core.pages import PAGE_SIZE, Page, keyset_page

from ..accounts.models import User
from ..stations.models import Station
from .models import AuditAction, AuditRecord, SubjectType


def subject_of(thing: User | Station) -> tuple[SubjectType, str]:
    """How the audit log names a person or a station."""
    if isinstance(thing, Station):
        return SubjectType.STATION, thing.serial
    return SubjectType.PERSON, str(thing.id)


def record(actor: User, action: AuditAction, reason: str, subject: User | Station, *,
           person: User | None, detail: str | None = None, ip: str | None = None) -> AuditRecord:
    """Add the audit record of a staff action to the caller's transaction (it commits with the change)."""
    subject_type, subject_key = subject_of(subject)
    row = AuditRecord(actor_id=actor.id, subject_type=subject_type, subject_key=subject_key,
                      subject_id=person.id if person else None, action=action, reason=reason, detail=detail,
                      ip=ip)
    db.session.add(row)
    db.session.flush()
    return row


def audit_records(*, actor_id: int | None = None, person_id: int | None = None,
                  subject: User | Station | None = None, action: AuditAction | None = None,
                  after: str | None = None, before: str | None = None,
                  size: int = PAGE_SIZE) -> Page[AuditRecord]:
    """A page of records, newest first, filtered by who acted, whom they concern, what they were done to and what.

    Each filter leads an index ending in (at, id), so a page is one range scan; the people named load in one
    more statement per page, not one per row.
    """
    query = select(AuditRecord).options(selectinload(AuditRecord.actor), selectinload(AuditRecord.person))
    if subject is not None:
        subject_type, subject_key = subject_of(subject)
        query = query.where(AuditRecord.subject_type == subject_type, AuditRecord.subject_key == subject_key)
    if actor_id:
        query = query.where(AuditRecord.actor_id == actor_id)
    if person_id:
        query = query.where(AuditRecord.subject_id == person_id)
    if action:
        query = query.where(AuditRecord.action == action)
    return keyset_page(query, AuditRecord.at, AuditRecord.id, after=after, before=before, size=size)
