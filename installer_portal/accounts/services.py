"""Account rules: sign-up, confirmation, login sessions, passwords and the profile.

Plain functions: no request, no session, no forms. They flush but never commit; the caller
(a view or a CLI command) commits once, so a change and the mail it causes land together.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from core.database import changed_rows, db, utcnow
from core.errors import Refusal
from core.i18n import LANGUAGES, _
from core.mail.models import OutboxMessage
from core.mail.services import queue_mail
from core.urls import external_url

from ..markets import Region
from . import passwords, throttle
from .models import LoginSession, OneTimeToken, Role, RoleGrant, TokenPurpose, User
from .tokens import (
    TokenError,
    TokenProblem,
    check_token,
    hash_token,
    issue_token,
    redeem_token,
    supersede_tokens,
)


class AccountError(Refusal):
    """An account rule said no."""


# Emails ---------------------------------------------------------------------------------------


def normalize_email(raw: str) -> str:
    """The form in which an address is stored and compared: validated, normalized, lower-case."""
    try:
        result = validate_email((raw or "").strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise AccountError(_("Enter a valid email address, like name@example.com."), "email") from error
    return result.normalized.lower()


def find_user(email: str) -> User | None:
    try:
        normalized = normalize_email(email)
    except AccountError:
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == normalized))


def _recent_mails(address: str, template: str) -> int:
    since = utcnow() - timedelta(hours=1)
    return db.session.scalars(
        select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.to_address == address, OutboxMessage.template == template,
            OutboxMessage.created_at >= since)
    ).one()


def _may_mail(address: str, template: str) -> bool:
    """At most a few mails of one kind to one address per hour, whoever asks for them."""
    return _recent_mails(address, template) < int(current_app.config["MAIL_PER_ADDRESS_PER_HOUR"])


# Sign-up and confirmation ---------------------------------------------------------------------


def sign_up(email: str, password: str, region: Region, locale: str) -> None:
    """Register a new person and mail a confirmation link.

    An address that already has an account gets a notice instead, and the caller cannot tell
    the difference: the same result, about the same time, no error.
    """
    address = normalize_email(email)
    _require_acceptable_password(password, (address.partition("@")[0],))
    password_hash = passwords.hash_password(password)
    existing = find_user(address)
    if existing is None:
        user = User(email=address, password_hash=password_hash, region=Region(region),
                    locale=locale if locale in LANGUAGES else "en")
        try:
            with db.session.begin_nested():
                db.session.add(user)
        except IntegrityError:
            existing = find_user(address)  # someone signed up with this address a moment ago
        else:
            send_confirmation(user)
            return
    if existing is not None and _may_mail(address, "sign_up_existing"):
        queue_mail(existing.email, "sign_up_existing", existing.format_locale, user_id=existing.id,
                   zone=existing.zone, login_url=external_url("auth.login"),
                   reset_url=external_url("auth.forgot_password"))


def send_confirmation(user: User) -> None:
    raw = issue_token(user, TokenPurpose.CONFIRM_EMAIL, current_app.config["CONFIRM_TOKEN_LIFETIME"])
    queue_mail(user.email, "confirm_email", user.format_locale, user_id=user.id, zone=user.zone,
               confirm_url=external_url("auth.confirm_email_link", token=raw),
               hours=int(current_app.config["CONFIRM_TOKEN_LIFETIME"].total_seconds() // 3600))


def resend_confirmation(email: str) -> bool:
    """Mail a new confirmation link if this address has an unconfirmed account; say whether one was sent.

    Anonymous callers must answer the same either way; a logged-in person may be told.
    """
    user = find_user(email)
    if user is None or user.is_confirmed or user.is_deactivated or not _may_mail(user.email, "confirm_email"):
        return False
    send_confirmation(user)
    return True


def confirm_email(raw_token: str) -> User:
    """Confirm the address the token was mailed to. Raises TokenError when the link cannot be used."""
    try:
        token = redeem_token(raw_token, TokenPurpose.CONFIRM_EMAIL)
    except TokenError as error:
        # A second click on a link that already did its job is not an error for the person.
        if error.token is not None and error.token.user.is_confirmed and error.problem in (
                TokenProblem.USED, TokenProblem.SUPERSEDED):
            return error.token.user
        raise
    user = token.user
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


# Logging in and login sessions ----------------------------------------------------------------

#: How long ended logins are kept after they expired.
LOGIN_HISTORY = timedelta(days=30)


def authenticate(email: str, password: str) -> User | None:
    """The person these credentials belong to, or None; unknown emails take as long as wrong passwords."""
    if len(password) > passwords.MAX_LENGTH:
        return None
    user = find_user(email)
    if user is None:
        passwords.burn_time(password)
        return None
    if not passwords.verify_password(user.password_hash, password):
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


class LoginThrottled(AccountError):
    """Too many wrong passwords for this account from this address: the next attempt must wait."""

    def __init__(self, wait: timedelta) -> None:
        super().__init__(_("Too many attempts. Wait a little and try again."), code="throttled")
        self.wait = wait


def attempt_login(email: str, password: str, ip: str) -> User | None:
    """One throttled login attempt: the person these credentials belong to, or None when they are wrong
    (the failure is counted in the caller's transaction, which it must commit).

    :raises LoginThrottled: this address failed too often for this account and must wait.
    :raises AccountError: the password is right, but staff deactivated the account.
    """
    try:
        address = normalize_email(email)
    except AccountError:
        address = (email or "")[:254]
    wait = throttle.claim_attempt(address, ip, find_user(address))
    if wait is not None:
        raise LoginThrottled(wait)
    user = authenticate(email, password)
    if user is None:
        return None
    throttle.clear_attempts(address, ip)
    if user.is_deactivated:
        raise AccountError(_("This account has been deactivated. Contact support if you think that is wrong."),
                           code="deactivated")
    return user


def start_login_session(user: User, remember: bool) -> str:
    """Open a login session on one device and return its key (which goes into the cookie)."""
    key = secrets.token_urlsafe(32)
    config = current_app.config
    # Old logins of this person are kept a while for support, then dropped, so the table stays small.
    db.session.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id,
                                   LoginSession.expires_at < utcnow() - LOGIN_HISTORY)
    )
    lifetime = config["REMEMBER_COOKIE_DURATION"] if remember else config["LOGIN_SESSION_LIFETIME"]
    db.session.add(LoginSession(user=user, key_hash=hash_token(key), expires_at=utcnow() + lifetime,
                                remember=remember))
    db.session.flush()
    user.session_key = key
    return key


#: Built once: it runs on every request of a logged-in person. The roles come in the same statement (a row per
#: grant, one to three): the page's navigation asks for them on every page, which was a second query each time.
_USER_FOR_SESSION = (
    select(User).join(LoginSession, LoginSession.user_id == User.id).options(joinedload(User.role_grants))
    .where(LoginSession.key_hash == bindparam("key_hash"), LoginSession.revoked_at.is_(None),
           LoginSession.expires_at > bindparam("now"), User.deactivated_at.is_(None)))


def user_for_session(key: str | None) -> User | None:
    """The person logged in with this key, if that login is still open."""
    if not key or len(key) > 128:
        return None
    # One query for every request of a logged-in person, with their roles.
    user = db.session.scalars(_USER_FOR_SESSION, {"key_hash": hash_token(key), "now": utcnow()}).unique().first()
    if user is None:
        return None
    user.session_key = key
    return user


def end_login_session(key: str | None) -> None:
    if key:
        db.session.execute(
            update(LoginSession).where(LoginSession.key_hash == hash_token(key), LoginSession.revoked_at.is_(None))
            .values(revoked_at=utcnow()).execution_options(synchronize_session=False)
        )


def end_login_sessions(user: User) -> None:
    """Log the person out on every device."""
    db.session.execute(
        update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session=False)
    )


# Passwords ------------------------------------------------------------------------------------


def _personal_words(user: User) -> tuple[str, ...]:
    return tuple(word for word in (user.email.partition("@")[0], user.first_name, user.last_name) if word)


def _require_acceptable_password(password: str, personal: tuple[str, ...]) -> None:
    problems = passwords.password_problems(password, personal)
    if problems:
        raise AccountError(problems[0], "password")


def _replace_password(user: User, password: str) -> None:
    """Store a new (already accepted) password, with everything a new password must end.

    Outstanding reset links and every login die, and the person is told by mail.
    """
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    supersede_tokens(user, TokenPurpose.RESET_PASSWORD)
    end_login_sessions(user)
    queue_mail(user.email, "password_changed", user.format_locale, user_id=user.id, zone=user.zone,
               reset_url=external_url("auth.forgot_password"))


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address has an account; the answer to the person is the same either way."""
    user = find_user(email)
    if user is None or user.is_deactivated or not _may_mail(user.email, "reset_password"):
        return
    lifetime = current_app.config["RESET_TOKEN_LIFETIME"]
    raw = issue_token(user, TokenPurpose.RESET_PASSWORD, lifetime)
    queue_mail(user.email, "reset_password", user.format_locale, user_id=user.id, zone=user.zone,
               reset_url=external_url("auth.reset_password_link", token=raw),
               minutes=int(lifetime.total_seconds() // 60))


def check_reset_token(raw_token: str) -> OneTimeToken:
    return check_token(raw_token, TokenPurpose.RESET_PASSWORD)


def reset_password(raw_token: str, password: str) -> User:
    """Set a new password through a reset link and log the person out everywhere.

    The password is checked before the link is used, so a rejected password leaves the link working.
    Following the link also proves the address, so an unconfirmed account becomes confirmed.
    """
    user = check_reset_token(raw_token).user
    _require_acceptable_password(password, _personal_words(user))
    redeem_token(raw_token, TokenPurpose.RESET_PASSWORD)
    _replace_password(user, password)
    throttle.lift_throttles(user)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Change the password of a logged-in person and end every login they have.

    Even this device's login ends (a copy of its cookie must die too); the caller opens a new one.
    """
    if not passwords.verify_password(user.password_hash, current):
        raise AccountError(_("Your current password is not correct."), "current_password")
    _require_acceptable_password(new, _personal_words(user))
    _replace_password(user, new)


# Profile --------------------------------------------------------------------------------------


def normalize_mobile(number: str, country: str) -> str:
    """A mobile number valid in `country`, in E.164 form (+4791234567)."""
    try:
        parsed = phonenumbers.parse(number or "", country)
    except phonenumbers.NumberParseException as error:
        raise AccountError(_("Enter your mobile phone number, with or without the country code."), "phone") from error
    if not phonenumbers.is_valid_number_for_region(parsed, country):
        raise AccountError(_("This is not a valid phone number for the chosen country."), "phone")
    if phonenumbers.number_type(parsed) not in (phonenumbers.PhoneNumberType.MOBILE,
                                                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise AccountError(_("Enter a mobile number, so that we can reach you on site."), "phone")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def update_profile(user: User, *, first_name: str, last_name: str, phone: str, country: str,
                   locale: str, company_name: str | None, time_zone: str | None = None) -> None:
    """Save the profile; the first complete save marks the profile complete.

    `time_zone` is one of the region's zones, or None for the country's (which then follows a change of country).
    """
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    if not first_name or not last_name:
        raise AccountError(_("Enter your first and last name."), "first_name" if not first_name else "last_name")
    if country not in user.region.countries:
        raise AccountError(_("Choose a country in your region."), "country")
    if locale not in LANGUAGES:
        raise AccountError(_("Choose one of the languages offered."), "locale")
    if time_zone is not None and time_zone not in user.region.time_zones:
        raise AccountError(_("Choose one of the time zones offered."), "time_zone")
    user.first_name, user.last_name = first_name[:100], last_name[:100]
    user.phone = normalize_mobile(phone, country)
    user.country = country
    user.locale = locale
    user.company_name = (company_name or "").strip()[:200] or None
    user.time_zone = time_zone
    if user.profile_completed_at is None:
        user.profile_completed_at = utcnow()


def set_language(user: User, locale: str) -> None:
    if locale in LANGUAGES:
        user.locale = locale


# Roles ----------------------------------------------------------------------------------------


def grant_role(user: User, role: Role, *, by: User | None = None) -> RoleGrant:
    """Give `user` a role (the unique key makes a second grant of the same role fail, not duplicate).

    :raises AccountError: the person holds the role already.
    """
    if role in {grant.role for grant in user.role_grants}:
        raise AccountError(_("This person already has this role."))
    grant = RoleGrant(user_id=user.id, role=role, granted_by_id=by.id if by else None)
    db.session.add(grant)
    db.session.flush()
    db.session.expire(user, ["role_grants"])
    return grant


def revoke_role(user: User, role: Role) -> None:
    """Take a role away; what the person did with it (installer account, stations) stays.

    :raises AccountError: the person does not hold the role.
    """
    removed = changed_rows(delete(RoleGrant).where(RoleGrant.user_id == user.id, RoleGrant.role == role)
                                 .execution_options(synchronize_session=False))
    if removed != 1:
        raise AccountError(_("This person does not have this role."))
    db.session.expire(user, ["role_grants"])


def deactivate_account(user: User) -> None:
    """Stop the person from logging in, and end every login they have now.

    :raises AccountError: the account is deactivated already.
    """
    if user.is_deactivated:
        raise AccountError(_("This account is deactivated already."))
    user.deactivated_at = utcnow()
    end_login_sessions(user)
    db.session.flush()


def reactivate_account(user: User) -> None:
    """:raises AccountError: the account is not deactivated."""
    if not user.is_deactivated:
        raise AccountError(_("This account is not deactivated."))
    user.deactivated_at = None
    db.session.flush()


# Staff ----------------------------------------------------------------------------------------


def create_confirmed_user(email: str, password: str, region: Region, locale: str = "en") -> User:
    """An account an operator creates (from the CLI): no confirmation mail, the address taken as confirmed.

    :raises AccountError: the address is invalid or taken, or the password is not acceptable.
    """
    address = normalize_email(email)
    if find_user(address) is not None:
        raise AccountError(_("An account with this email address already exists."), "email")
    _require_acceptable_password(password, (address.partition("@")[0],))
    user = User(email=address, password_hash=passwords.hash_password(password), region=region,
                locale=locale if locale in LANGUAGES else "en", email_confirmed_at=utcnow())
    db.session.add(user)
    db.session.flush()
    return user


def create_staff(email: str, password: str, role: Role, region: Region = Region.EUROPE) -> User:
    """Create a confirmed staff account (from the CLI).

    :raises AccountError: not a staff role, or as `create_confirmed_user`.
    """
    if role not in (Role.SUPPORT, Role.ADMIN):
        raise AccountError(_("Staff accounts have the role support or admin."))
    user = create_confirmed_user(email, password, region)
    grant_role(user, role)
    return user
