"""The base of every domain error a service raises on refusal."""

from __future__ import annotations

from flask_babel import gettext as _


class DomainError(Exception):
    """A refusal a person can read: `message` is a translated sentence for the user."""

    status_code = 409

    def __init__(self, message: str | None = None):
        super().__init__(message or self.default_message())
        self.message = message or self.default_message()

    def default_message(self) -> str:
        return _("This action is not allowed.")

    def __str__(self) -> str:
        return str(self.message)
