"""Server-side sessions: every signed-in browser is a `UserSession` row that can be ended.

The session cookie and the remember-me cookie carry `<user id>:<key>` (`User.get_id`); only the
key's SHA-256 is stored. A cookie loads its user only while its row is open, so signing out,
"sign out everywhere", a password change or reset, deactivation, or ending a session from the
profile stops a copied cookie at once. Ending every session also revokes the user's API tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_sqlalchemy.session import Session

from training.accounts.models import ApiToken, User, UserSession
from training.audit.services import record
from training.database import may_write
from training.extensions import db

# How often "last seen" is written: often enough for the profile, rarely enough to cost nothing.
TOUCH_EVERY = timedelta(minutes=5)
TOUCHES = "accounts.touches"  # updates waiting for the request's commit, in Session.info


@sa.event.listens_for(Session, "before_commit")
def _write_touches(session) -> None:
    for update in session.info.pop(TOUCHES, []):
        session.execute(update)


@sa.event.listens_for(Session, "after_rollback")
def _drop_touches(session) -> None:
    session.info.pop(TOUCHES, None)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start(user: User) -> UserSession:
    """Open a session for `user` (after a successful sign-in); `user.get_id()` then names it."""
    key = secrets.token_urlsafe(32)
    row = UserSession(user=user, key_hash=_hash(key), **_client())
    db.session.add(row)
    db.session.flush()
    user.session_key = key
    return row


def _client() -> dict:
    if not has_request_context():
        return {"ip_address": None, "user_agent": ""}
    return {"ip_address": request.remote_addr, "user_agent": (request.user_agent.string or "")[:300]}


def load(session_id: str) -> User | None:
    """The active user of a cookie's `<id>:<key>` whose session is still open, else None."""
    user_id, _, key = session_id.partition(":")
    if not user_id.isdigit() or not key:
        return None
    row = db.session.scalar(
        sa.select(UserSession).where(
            UserSession.key_hash == _hash(key), UserSession.user_id == int(user_id), UserSession.ended_at.is_(None)
        )
    )
    if row is None or not row.user.is_active_account:
        return None
    _touch(UserSession, row.id, row.last_seen_at)
    row.user.session_key = key
    return row.user


def current(user: User) -> UserSession | None:
    """The open session this request runs in."""
    if not user.session_key:
        return None
    return db.session.scalar(
        sa.select(UserSession).where(UserSession.key_hash == _hash(user.session_key), UserSession.ended_at.is_(None))
    )


def active(user: User) -> list[UserSession]:
    """The user's open sessions, the most recently seen first."""
    return list(
        db.session.scalars(
            sa.select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
            .order_by(UserSession.last_seen_at.desc())
        )
    )


def end(actor: User, row: UserSession, reason: str) -> None:
    """End one session (signing out, or from the profile); ending twice changes nothing."""
    if row.ended_at is not None:
        return
    row.ended_at, row.end_reason = datetime.now(UTC), reason
    db.session.flush()
    record(actor, "session.ended", row, after={"user": row.user.email, "reason": reason})


def end_all(actor: User | None, user: User, reason: str, *, keep: UserSession | None = None) -> int:
    """End every open session of `user` but `keep`, and revoke their API tokens; returns how many ended."""
    now = datetime.now(UTC)
    ended = 0
    for row in active(user):
        if keep is None or row.id != keep.id:
            row.ended_at, row.end_reason = now, reason
            ended += 1
    tokens = db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in tokens:
        token.revoked_at = now
    db.session.flush()
    record(actor, "session.ended_all", user, after={"reason": reason, "sessions": ended, "tokens": len(tokens)})
    return ended


def _touch(model, row_id: int, last: datetime | None, column: str = "last_seen_at") -> None:
    """Write "last seen/used" at most every TOUCH_EVERY. A request that may write does it when its own
    transaction commits (not at its start: an early write would hold SQLite's write lock for the whole
    request); a read-only request, which never commits, on a short connection of its own."""
    now = datetime.now(UTC)
    if last is not None and now - last < TOUCH_EVERY:
        return
    if may_write():
        db.session.info.setdefault(TOUCHES, []).append(sa.update(model).where(model.id == row_id).values({column: now}))
        return
    try:
        with db.engine.begin() as connection:
            connection.execute(sa.update(model).where(model.id == row_id).values({column: now}))
    except sa.exc.OperationalError:  # a busy database: the next request writes it
        current_app.logger.info("could not record %s of %s %s", column, model.__tablename__, row_id)


def touch_token(token: ApiToken) -> None:
    """Record that an API token was used (at most every few minutes)."""
    _touch(ApiToken, token.id, token.last_used_at, "last_used_at")
