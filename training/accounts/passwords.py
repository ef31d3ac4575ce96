"""Password strength: zxcvbn's estimate, with the person's own name and email as hints."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from zxcvbn import zxcvbn

MIN_LENGTH = 10
MAX_LENGTH = 128
MIN_SCORE = 3  # zxcvbn: 3 is "safely unguessable: moderate protection from offline attacks"


def password_problem(password: str, user_inputs: list[str] | tuple[str, ...] = ()) -> str | None:
    """A sentence explaining why `password` is too weak, or None when it is good enough."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(n)d characters.", n=MAX_LENGTH)
    hints = _hints(user_inputs)
    if zxcvbn(password, user_inputs=hints)["score"] < MIN_SCORE:
        return _(
            "This password is too easy to guess: it is common, or close to your name or email. "
            "A few unrelated words make a strong password."
        )
    return None


def _hints(user_inputs) -> list[str]:
    """Words of the name and email, alone and run together ("camilledurand")."""
    hints = []
    for value in filter(None, user_inputs):
        words = [w for w in re.split(r"[^\w]+", value.lower()) if len(w) > 1]
        hints.extend(words)
        hints.append("".join(words))
        local = value.lower().split("@")[0]
        hints.append(re.sub(r"[^\w]+", "", local))
    return hints
