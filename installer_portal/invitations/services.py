"""Invitation rules: issue on certification, redeem once, reissue on request.

Services flush and never commit; the caller commits (a view, the CLI, or the transaction of the
certificate that caused the invitation, so the invitation and its mail commit with it).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update

from core.database import changed_rows, db, utcnow
from core.enums import LabelledEnum
from core.errors import ProblemRefusal
from core.i18n import _l
from core.mail.services import queue_mail
from core.urls import external_url
from lms import api as lms

from ..accounts.models import Role, User
from ..accounts.services import grant_role
from ..accounts.tokens import MAX_TOKEN_LENGTH, hash_token
from .models import InstallerAccount, Invitation, InvitationStatus

INVITATION_LIFETIME = timedelta(days=14)
#: The installer terms people accept; a new version is a new text in templates/invitation/terms_<version>.html.
TERMS_VERSION = "2026-11"


class InvitationProblem(LabelledEnum):
    """Why an invitation cannot be used (the page, the console and the tests show the message)."""

    INVALID = "invalid", _l("This invitation link is not valid. It may have been copied incompletely.")
    EXPIRED = "expired", _l("This invitation link has expired.")
    USED = "used", _l("This invitation link has already been used.")
    SUPERSEDED = "superseded", _l("This invitation link has been replaced by a newer one. "
                                  "Use the link in the latest email.")
    REVOKED = "revoked", _l("This invitation link has been withdrawn.")
    WRONG_PERSON = "wrong_person", _l("This invitation is for someone else. Log out, then open the link again "
                                      "and log in with the account it was sent to.")
    NOT_CERTIFIED = "not_certified", _l("You need a valid certificate to set up an installer account.")
    ALREADY_INSTALLER = "already_installer", _l("You already have an installer account.")


_STATUS_PROBLEMS = {
    InvitationStatus.USED: InvitationProblem.USED,
    InvitationStatus.EXPIRED: InvitationProblem.EXPIRED,
    InvitationStatus.SUPERSEDED: InvitationProblem.SUPERSEDED,
    InvitationStatus.REVOKED: InvitationProblem.REVOKED,
}


class InvitationError(ProblemRefusal[InvitationProblem]):
    """An invitation cannot be used or issued; `invitation` is the row when one exists."""

    def __init__(self, problem: InvitationProblem, invitation: Invitation | None = None) -> None:
        super().__init__(problem)
        self.invitation = invitation


def _supersede_pending(user_id: int) -> int:
    """Retire the person's pending invitation, if any; returns how many (0 or 1)."""
    return changed_rows(
        update(Invitation)
        .where(Invitation.user_id == user_id, Invitation.used_at.is_(None), Invitation.revoked_at.is_(None),
               Invitation.superseded_at.is_(None))
        .values(superseded_at=utcnow()).execution_options(synchronize_session=False))


def issue_invitation(user: User, certificate_id: int, *, created_by_id: int | None = None) -> Invitation:
    """Replace any pending invitation with a new one and queue its mail in the person's language.

    The raw token exists only in the mail; staff never see it.
    """
    now = utcnow()
    replaces = _supersede_pending(user.id) > 0
    raw = secrets.token_urlsafe(32)
    invitation = Invitation(user_id=user.id, certificate_id=certificate_id, token_hash=hash_token(raw),
                            created_at=now, expires_at=now + INVITATION_LIFETIME, created_by_id=created_by_id)
    db.session.add(invitation)
    db.session.flush()
    message = queue_mail(user.email, "invitation", user.format_locale, user_id=user.id, zone=user.zone,
                         name=user.display_name, link=external_url("invitation.land", token=raw),
                         expires_at=invitation.expires_at, replaces=replaces)
    invitation.message_id = message.id
    db.session.flush()
    return invitation


def invitation_for_token(raw: str) -> Invitation:
    """The invitation if its link can be used now.

    :raises InvitationError: invalid, expired, used, superseded or revoked.
    """
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        raise InvitationError(InvitationProblem.INVALID)
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(raw)))
    if invitation is None:
        raise InvitationError(InvitationProblem.INVALID)
    status = invitation.status(utcnow())
    if status != InvitationStatus.PENDING:
        raise InvitationError(_STATUS_PROBLEMS[status], invitation)
    return invitation


def check_invitation_for(user: User, raw: str) -> Invitation:
    """The invitation, if `user` may use it now.

    :raises InvitationError: the link cannot be used, it is someone else's, the person is already an
        installer, or their certificate is no longer valid.
    """
    invitation = invitation_for_token(raw)
    if invitation.user_id != user.id:
        raise InvitationError(InvitationProblem.WRONG_PERSON, invitation)
    if user.has_role(Role.INSTALLER):
        raise InvitationError(InvitationProblem.ALREADY_INSTALLER, invitation)
    if lms.valid_certificate(user.id) is None:
        raise InvitationError(InvitationProblem.NOT_CERTIFIED, invitation)
    return invitation


def accept_invitation(user: User, raw: str, *, business_name: str, licence_number: str | None,
                      licence_region: str | None) -> InstallerAccount:
    """Use the invitation up and make the person an installer, with the terms version they accepted.

    One conditional UPDATE decides, so two browsers redeeming the link at once cannot both succeed.
    :raises InvitationError: as `check_invitation_for`, or the link was used a moment ago.
    """
    invitation = check_invitation_for(user, raw)
    now = utcnow()
    claimed = changed_rows(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None), Invitation.revoked_at.is_(None),
               Invitation.superseded_at.is_(None), Invitation.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False))
    if claimed != 1:
        db.session.refresh(invitation)
        raise InvitationError(_STATUS_PROBLEMS.get(invitation.status(now), InvitationProblem.USED), invitation)
    account = InstallerAccount(user_id=user.id, invitation_id=invitation.id, business_name=business_name.strip(),
                               licence_number=(licence_number or "").strip() or None,
                               licence_region=licence_region or None, terms_version=TERMS_VERSION,
                               terms_accepted_at=now)
    db.session.add(account)
    grant_role(user, Role.INSTALLER)
    return account


def request_new_invitation(user: User) -> Invitation:
    """The person asks for a new link themselves (their certificate must still be valid).

    :raises InvitationError: already an installer, or no valid certificate.
    """
    if user.has_role(Role.INSTALLER):
        raise InvitationError(InvitationProblem.ALREADY_INSTALLER)
    certificate = lms.valid_certificate(user.id)
    if certificate is None:
        raise InvitationError(InvitationProblem.NOT_CERTIFIED)
    return issue_invitation(user, certificate.id)


def latest_invitation(user_id: int) -> Invitation | None:
    return db.session.scalar(select(Invitation).where(Invitation.user_id == user_id)
                             .order_by(Invitation.created_at.desc(), Invitation.id.desc()).limit(1))


def revoke_invitation(invitation: Invitation, *, by: User, reason: str) -> None:
    """Withdraw a pending invitation: its link stops working at once.

    One conditional UPDATE decides, so a link being used at this moment is either used or withdrawn, not both.
    :raises InvitationError: the invitation is no longer pending (used, expired, replaced or withdrawn).
    """
    now = utcnow()
    withdrawn = changed_rows(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None), Invitation.revoked_at.is_(None),
               Invitation.superseded_at.is_(None), Invitation.expires_at > now)
        .values(revoked_at=now, revoked_by_id=by.id, revoke_reason=reason)
        .execution_options(synchronize_session=False))
    db.session.refresh(invitation)
    if withdrawn != 1:
        raise InvitationError(_STATUS_PROBLEMS.get(invitation.status(now), InvitationProblem.USED), invitation)


def installer_account_of(user: User) -> InstallerAccount | None:
    return db.session.scalar(select(InstallerAccount).where(InstallerAccount.user_id == user.id))


def may_ask_for_new_link(user: User, problem: InvitationProblem) -> bool:
    """Whether a person whose link failed for `problem` may ask for a new one themselves: not for someone
    else's link or when they already are an installer, and only with a valid certificate."""
    return (problem not in {InvitationProblem.WRONG_PERSON, InvitationProblem.ALREADY_INSTALLER}
            and not user.has_role(Role.INSTALLER) and lms.valid_certificate(user.id) is not None)
