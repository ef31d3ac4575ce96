"""Account operations. Each flushes, writes its audit row and raises a DomainError on refusal."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from training.accounts import sessions
from training.accounts.models import ApiToken, LearnerCategory, Role, User, UserRole
from training.accounts.passwords import password_problem
from training.accounts.tokens import make_token, read_token, token_matches
from training.audit.services import record, snapshot
from training.email import encode, send_email
from training.errors import DomainError
from training.extensions import db
from training.urls import external_url

PROFILE_FIELDS = ("name", "organisation", "category", "locale")
# Checked against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = "scrypt:32768:8:1$0000000000000000$" + "0" * 128


class WeakPassword(DomainError):
    """The password is too short or too easy to guess; the message says why."""

    status_code = 422


class InvalidLink(DomainError):
    def default_message(self) -> str:
        return _("This link is invalid or has expired. Ask for a new one.")


class EmailTaken(DomainError):
    def default_message(self) -> str:
        return _("An account already uses this email address.")


class LastAdmin(DomainError):
    def default_message(self) -> str:
        return _("The training office needs at least one administrator: give the role to someone else first.")


class OwnAccount(DomainError):
    def default_message(self) -> str:
        return _("You cannot deactivate your own account: ask another administrator.")


def normalise_email(email: str) -> str:
    """Emails are compared and stored lower-cased and trimmed."""
    return email.strip().lower()


def find_user(email: str) -> User | None:
    """The user with this email, whatever its case, or None."""
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def check_password_strength(password: str, user_inputs=()) -> None:
    """Raise WeakPassword with the reason when `password` is not strong enough."""
    problem = password_problem(password, user_inputs)
    if problem:
        raise WeakPassword(problem)


def create_user(
    actor: User | None,
    *,
    email: str,
    name: str,
    roles: set[Role] | None = None,
    password: str | None = None,
    organisation: str = "",
    category: LearnerCategory = LearnerCategory.EMPLOYEE,
    locale: str = "fr",
    confirmed: bool = True,
    action: str = "user.created",
    strength_checked: bool = False,
) -> User:
    """Create an account; raise EmailTaken or WeakPassword. No password means 'invite later'."""
    email = normalise_email(email)
    if find_user(email) is not None:
        raise EmailTaken()
    if password is not None and not strength_checked:
        check_password_strength(password, (name, email))
    user = User(
        email=email,
        name=name.strip(),
        organisation=organisation.strip(),
        category=category,
        locale=locale,
        email_confirmed_at=datetime.now(UTC) if confirmed else None,
    )
    if password is not None:
        user.set_password(password)
    user.roles = [UserRole(role=role) for role in sorted(roles or {Role.LEARNER})]
    db.session.add(user)
    db.session.flush()
    record(
        actor,
        action,
        user,
        after={**snapshot(user, ("email", *PROFILE_FIELDS)), "roles": sorted(r.value for r in user.role_set)},
    )
    return user


def sign_up(
    *, email: str, name: str, password: str, organisation: str, category, locale: str, next_url: str | None = None
) -> None:
    """Register a learner and email a confirmation link.

    When the address is already registered, its owner gets an email saying so (with a
    reset link) instead: the page answers the same either way, so sign-up does not tell
    a stranger which addresses have accounts. A weak password is refused before that.
    """
    check_password_strength(password, (name, email))
    existing = find_user(email)
    if existing is not None:
        # The same costly work as for a new account (hashing the password), so the time of the
        # answer does not tell either.
        generate_password_hash(password)
        _send_account_exists(existing)
        return
    user = create_user(
        None,
        email=email,
        name=name,
        password=password,
        organisation=organisation,
        category=category,
        locale=locale,
        confirmed=False,
        action="user.signed_up",
        strength_checked=True,
    )
    send_confirmation(user, next_url)


def send_confirmation(user: User, next_url: str | None = None) -> None:
    """Email the link that confirms the user's address."""
    token = make_token(user, "confirm", next=next_url)
    send_email(
        user.email,
        _l("Confirm your email address"),
        "accounts/confirm",
        locale=user.locale,
        user=user,
        link=external_url("accounts.confirm_email", token=token),
    )


def _send_account_exists(user: User) -> None:
    token = make_token(user, "reset")
    send_email(
        user.email,
        _l("You already have an account"),
        "accounts/account_exists",
        locale=user.locale,
        user=user,
        link=external_url("accounts.reset_password", token=token),
        sign_in=external_url("accounts.sign_in"),
    )


def confirm_email(token: str) -> tuple[User, str | None]:
    """Mark the address confirmed; return the user and the page they came from."""
    payload = read_token(token, "confirm", current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    user = db.session.get(User, payload["uid"]) if payload else None
    if payload is None or user is None or not token_matches(user, payload):
        raise InvalidLink()
    user.email_confirmed_at = datetime.now(UTC)
    record(user, "user.email_confirmed", user)
    return user, payload.get("next")


def authenticate(email: str, password: str) -> User | None:
    """The user with these credentials who may sign in, or None (inactive accounts included)."""
    user = find_user(email)
    if user is None:
        # Same work for an unknown address, so timing does not tell who has an account.
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password) or not user.is_active_account:
        return None
    return user


def request_password_reset(email: str) -> None:
    """Email a reset link when the address is registered and active; say nothing otherwise."""
    user = find_user(email)
    if user is None or not user.is_active_account:
        # The same work as for a real account (a token and its link; the email itself is rendered
        # after the response), then nothing is queued: the time of the answer does not tell whether
        # the address is registered.
        stranger = User(id=0, email=normalise_email(email), name="", password_hash="", locale="fr")
        encode({"link": external_url("accounts.reset_password", token=make_token(stranger, "reset"))})
        return
    token = make_token(user, "reset")
    send_email(
        user.email,
        _l("Reset your password"),
        "accounts/reset_password",
        locale=user.locale,
        user=user,
        link=external_url("accounts.reset_password", token=token),
    )


def send_invitation(user: User) -> None:
    """Email a person created without a password the link to choose one."""
    token = make_token(user, "invite")
    send_email(
        user.email,
        _l("Your GenoTher Training account"),
        "accounts/invitation",
        locale=user.locale,
        user=user,
        link=external_url("accounts.accept_invitation", token=token),
    )


def user_for_link(token: str, purpose: str) -> User:
    """The user a reset or invitation link was made for; raise InvalidLink otherwise."""
    max_age = current_app.config["INVITATION_MAX_AGE" if purpose == "invite" else "PASSWORD_RESET_MAX_AGE"]
    payload = read_token(token, purpose, max_age)
    user = db.session.get(User, payload["uid"]) if payload else None
    if payload is None or user is None or not user.is_active_account or not token_matches(user, payload):
        raise InvalidLink()
    return user


def reset_password(token: str, password: str, purpose: str = "reset") -> User:
    """Set a new password from an emailed link; the link then stops working."""
    user = user_for_link(token, purpose)
    check_password_strength(password, (user.name, user.email))
    user.set_password(password)
    user.email_confirmed_at = user.email_confirmed_at or datetime.now(UTC)
    sessions.end_all(user, user, "password_reset" if purpose == "reset" else "password_set")
    record(user, "user.password_reset" if purpose == "reset" else "user.password_set", user)
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Change the password after checking the current one; every other session and every API token ends
    (this browser, where the person just proved the password, stays signed in)."""
    if not user.check_password(current):
        raise DomainError(_("Your current password is not right."))
    check_password_strength(new, (user.name, user.email))
    user.set_password(new)
    sessions.end_all(user, user, "password_changed", keep=sessions.current(user))
    record(user, "user.password_changed", user)


def update_profile(user: User, **values) -> None:
    """Change the user's own name, organisation, category or language; audited with both values."""
    before = snapshot(user, PROFILE_FIELDS)
    for field in PROFILE_FIELDS:
        if field in values:
            setattr(user, field, values[field].strip() if isinstance(values[field], str) else values[field])
    after = snapshot(user, PROFILE_FIELDS)
    if before != after:
        changed = [k for k in PROFILE_FIELDS if before[k] != after[k]]
        record(
            user,
            "user.profile_updated",
            user,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )


def sign_out_everywhere(user: User) -> None:
    """End every session and remember-me cookie of the user, and revoke their API tokens."""
    sessions.end_all(user, user, "signed_out_everywhere")


def set_roles(actor: User, user: User, roles: set[Role], reason: str | None = None) -> None:
    """Grant and withdraw roles; refuse to remove the last administrator."""
    before = user.role_set
    if before == roles:
        return
    if Role.ADMIN in before and Role.ADMIN not in roles and _admin_count() <= 1:
        raise LastAdmin()
    user.roles = [r for r in user.roles if r.role in roles] + [UserRole(role=role) for role in sorted(roles - before)]
    db.session.flush()
    record(
        actor,
        "user.roles_changed",
        user,
        before={"roles": sorted(r.value for r in before)},
        after={"roles": sorted(r.value for r in roles)},
        reason=reason,
    )


def deactivate(actor: User, user: User, reason: str) -> None:
    """Stop the user signing in (every session and token ends at once); their records stay."""
    if not user.is_active_account:
        return
    if user.id == actor.id:
        raise OwnAccount()
    if user.is_admin and _admin_count() <= 1:
        raise LastAdmin()
    user.is_active_account = False
    sessions.end_all(actor, user, "deactivated")
    db.session.flush()
    record(actor, "user.deactivated", user, before={"active": True}, after={"active": False}, reason=reason)


def reactivate(actor: User, user: User, reason: str | None = None) -> None:
    """Let a deactivated user sign in again with their existing password."""
    if user.is_active_account:
        return
    user.is_active_account = True
    db.session.flush()
    record(actor, "user.reactivated", user, before={"active": False}, after={"active": True}, reason=reason)


def _admin_count() -> int:
    query = (
        sa.select(sa.func.count())
        .select_from(UserRole)
        .join(User)
        .where(UserRole.role == Role.ADMIN, User.is_active_account.is_(True))
    )
    return db.session.scalars(query).one()


def hash_api_token(token: str) -> str:
    """The stored form of an API token."""
    return hashlib.sha256(token.encode()).hexdigest()


TOKEN_LIFETIMES = (30, 90, 365)  # days a person may choose; 90 by default
TOKEN_SCOPES = ("read", "read write")


def create_api_token(user: User, name: str, *, days: int = 90, scopes: str = "read write") -> tuple[ApiToken, str]:
    """Make a bearer token for the user, valid `days` days with `scopes`; the plain token is returned once
    and never stored (only its SHA-256)."""
    if not user.is_active_account:
        raise DomainError(_("This account is deactivated."))
    if days not in TOKEN_LIFETIMES or scopes not in TOKEN_SCOPES:
        raise DomainError(_("Choose a lifetime of 30, 90 or 365 days, and read or read-and-write access."))
    plain = "gt_" + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    token = ApiToken(
        user=user,
        name=name.strip() or _("API token"),
        token_hash=hash_api_token(plain),
        prefix=plain[:10],
        created_at=now,
        expires_at=now + timedelta(days=days),
        scopes=scopes,
    )
    db.session.add(token)
    db.session.flush()
    record(
        user,
        "api_token.created",
        token,
        after={"name": token.name, "prefix": token.prefix, "expires_at": token.expires_at, "scopes": scopes},
    )
    return token, plain


def revoke_api_token(actor: User, token: ApiToken) -> None:
    """Revoke a token; revoking twice changes nothing."""
    if token.revoked_at is not None:
        return
    token.revoked_at = datetime.now(UTC)
    record(actor, "api_token.revoked", token, after={"name": token.name, "prefix": token.prefix})


def api_token(plain: str) -> ApiToken | None:
    """The usable token (not revoked, not expired, owner active) with this value, or None; its use is noted."""
    # The owner and their roles in the same query: every API request needs them.
    query = (
        sa.select(ApiToken)
        .where(ApiToken.token_hash == hash_api_token(plain))
        .options(sa.orm.joinedload(ApiToken.user).joinedload(User.roles))
    )
    token = db.session.scalars(query).unique().one_or_none()
    if token is None or not token.is_usable(datetime.now(UTC)):
        return None
    sessions.touch_token(token)
    return token


def user_for_api_token(plain: str) -> User | None:
    """The active user owning this usable bearer token, or None."""
    token = api_token(plain)
    return token.user if token else None
