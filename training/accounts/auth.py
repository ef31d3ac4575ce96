"""Loading the signed-in user, and the role decorator for views."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from training.accounts import sessions
from training.accounts.models import Role, User
from training.extensions import login_manager

login_manager.login_view = "accounts.sign_in"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a cookie `<id>:<key>` whose server-side session is still open (`training.accounts.sessions`)."""
    return sessions.load(session_id)


def roles_required(*roles: Role):
    """Let through signed-in users holding any of `roles`; others get 403 (anonymous: sign in)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
