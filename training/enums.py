"""Enums whose members carry their value and their translated label, declared side by side."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Self

from flask_babel import LazyString
from wtforms import SelectChoice

if TYPE_CHECKING:
    from flask import Flask


class LabelledEnum(enum.StrEnum):
    """A string enum whose members are declared as `NAME = "value", _l("Label")`.

    A member equals its value and is stored as it; `label` is its label in the current locale.
    """

    _value_: str
    _label: LazyString

    if TYPE_CHECKING:
        # Calling the enum looks a member up by its value, as for any enum (Enum swaps this
        # `__new__` out once the members exist): mypy is told the lookup's signature.
        def __new__(cls, value: str) -> Self: ...

    else:

        def __new__(cls, value: str, label: LazyString) -> Self:
            member = str.__new__(cls, value)
            member._value_ = value
            member._label = label
            return member

    @property
    def label(self) -> str:
        """The member's label, translated into the locale of the current request."""
        return str(self._label)

    @classmethod
    def choices(cls) -> list[SelectChoice]:
        """Every member as a form choice, labelled in the current locale.

        Pass the method itself (`choices=Track.choices`): WTForms then calls it for each form,
        so the labels follow the locale of the request rather than the one at import.
        """
        return [SelectChoice(member.value, member.label) for member in cls]


def init_app(app: Flask) -> None:
    """Make every labelled enum a template global under its class name, so that templates compare
    with members (`session.status == SessionStatus.CANCELLED`) instead of spelling values again.

    Called once the models are imported: the enums are the subclasses defined by then.
    """
    app.jinja_env.globals.update({enum_cls.__name__: enum_cls for enum_cls in LabelledEnum.__subclasses__()})
