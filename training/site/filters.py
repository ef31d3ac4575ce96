"""Jinja filters for every template: hours, months, and pairing lists."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask
from flask_babel import format_currency, format_date, format_decimal, format_time


def hours(value: Decimal | float | int) -> str:
    """A number of hours without useless decimals, in the user's locale: 7, 3,5 or 3.5."""
    return format_decimal(Decimal(value).normalize(), format="#,##0.##")


def month_label(month: str) -> str:
    """ "2026-03" as "March 2026" (or "mars 2026")."""
    year, number = map(int, month.split("-"))
    return format_date(date(year, number, 1), "LLLL y")


def currency(value: Decimal) -> str:
    """An amount in euros in the user's locale: "1 200,00 €" or "€1,200.00"."""
    return format_currency(value, "EUR")


def when(value: datetime) -> str:
    """A date and a time to the minute, in Paris time and the user's locale: "2 déc. 2026, 09:00"."""
    return f"{format_date(value, 'medium')}, {format_time(value, 'short')}"


def date_range(first: date, last: date) -> str:
    """ "12–13 March 2026", "30 March – 2 April 2026", "12 March 2026" in the current locale.

    Babel's own intervals abbreviate the month in English, which documents should not.
    """
    if first == last:
        return format_date(last, "d MMMM y")
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{format_date(last, 'd MMMM y')}"
    start = format_date(first, "d MMMM" if first.year == last.year else "d MMMM y")
    return f"{start} – {format_date(last, 'd MMMM y')}"


def init_app(app: Flask) -> None:
    """Register the filters."""
    app.add_template_filter(hours, "hours")
    app.add_template_filter(currency, "currency")
    app.add_template_filter(when, "when")
    app.add_template_filter(month_label, "month_label")
    app.add_template_filter(lambda a, b: list(zip(a, b, strict=False)), "zip")
