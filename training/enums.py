"""Enums whose members carry their value and their translated label, declared side by side."""

from __future__ import annotations

import enum
from typing import Self

from flask_babel import LazyString
from wtforms import SelectChoice


class LabelledEnum(enum.StrEnum):
    """A string enum whose members are declared as `NAME = "value", _l("Label")`.

    A member equals its value and is stored as it; `label` is its label in the current locale.
    """

    _label: LazyString

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
