"""How reports write times, hours and date ranges: Paris time, plain numbers, UTC bounds."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from training.timezones import PARIS


def paris_midnight(day: date) -> datetime:
    """The first instant of `day` in Paris, as an aware UTC datetime."""
    return datetime.combine(day, time(0), PARIS).astimezone(UTC)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The UTC instants where the Paris calendar year starts and where the next one starts."""
    return paris_midnight(date(year, 1, 1)), paris_midnight(date(year + 1, 1, 1))


def paris_iso(value: datetime | None) -> str:
    """A stored time as ISO 8601 in Paris time to the minute, "2026-03-12T09:00+01:00"; "" for none."""
    return value.astimezone(PARIS).isoformat(timespec="minutes") if value is not None else ""


def plain_number(value: Decimal | int | None) -> Decimal:
    """Hours without trailing zeros and never in exponent form: 72, 17.5, 3.25."""
    value = Decimal(value or 0)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
