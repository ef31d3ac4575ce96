"""The time zone people read times in: stored times are UTC, shown and typed in Paris time."""

from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
