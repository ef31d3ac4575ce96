"""Enums whose members carry a translated label for people."""

from __future__ import annotations

import enum

# Keyed by (enum class, value): members of two StrEnums with the same value ("trainer") are
# equal and hash alike, so the members themselves cannot be the keys.
_LABELS: dict[tuple[type, str], object] = {}


class LabelledEnum(enum.StrEnum):
    """A string enum whose `label` is the translated text registered with `labels()`."""

    @property
    def label(self) -> str:
        return str(_LABELS.get((type(self), self.value), self.value))


def labels(mapping: dict) -> dict:
    """Register lazy-translated labels for enum members; returns the mapping (for form choices)."""
    _LABELS.update({(type(member), member.value): label for member, label in mapping.items()})
    return mapping
