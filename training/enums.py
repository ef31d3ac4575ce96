"""Enums whose members carry a translated label for people."""

from __future__ import annotations

import enum

_LABELS: dict[enum.Enum, object] = {}


class LabelledEnum(enum.StrEnum):
    """A string enum whose `label` is the translated text registered with `labels()`."""

    @property
    def label(self) -> str:
        return str(_LABELS.get(self, self.value))


def labels(mapping: dict) -> dict:
    """Register lazy-translated labels for enum members; returns the mapping (for form choices)."""
    _LABELS.update(mapping)
    return mapping
