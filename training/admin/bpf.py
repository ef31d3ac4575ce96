"""The yearly BPF figures (bilan pédagogique et financier), as a page and as CSV.

`?year=` picks the calendar year, this year by default. A year that is not a whole number
between MIN_YEAR and MAX_YEAR answers 400 with the page explaining why (no figures shown),
rather than silently showing another year than the one asked for.
"""

from __future__ import annotations

from datetime import datetime

from flask import render_template, request
from flask_babel import gettext as _

from training.accounts.auth import roles_required
from training.accounts.models import Role
from training.admin.blueprint import bp
from training.csvexport import csv_response
from training.reports.bpf import BpfFigures, bpf_figures, years_with_half_days
from training.timezones import PARIS

MIN_YEAR, MAX_YEAR = 2000, 2100
CSV_HEADER = ("section", "label", "trainees", "hours_trainees", "hours_taught")

admin_only = roles_required(Role.ADMIN)


class BadYear(ValueError):
    """The `year` parameter is not a year the report can be made for."""


def _year() -> int:
    """The year asked for in the query string, this year (Paris time) when none is given."""
    raw = request.args.get("year", "").strip()
    if not raw:
        return datetime.now(PARIS).year
    if not raw.isdigit() or not MIN_YEAR <= int(raw) <= MAX_YEAR:
        raise BadYear(
            _(
                "“%(year)s” is not a year the report can be made for: give a year between %(low)d and "
                "%(high)d, for example %(example)d.",
                year=raw[:20],
                low=MIN_YEAR,
                high=MAX_YEAR,
                example=datetime.now(PARIS).year,
            )
        )
    return int(raw)


def _page(figures: BpfFigures | None, year: int | None, error: str | None = None, status: int = 200):
    """The page for `year`; without figures (a bad year), the selector offers this year."""
    selected = year or datetime.now(PARIS).year
    years = sorted({*years_with_half_days(), selected})
    return render_template(
        "admin/bpf.html", figures=figures, year=year, selected=selected, years=years, error=error
    ), status


@bp.get("/bpf")
@admin_only
def bpf():
    """Trainees, hours-trainees and trainers of a calendar year, with the totals cross-checked."""
    try:
        year = _year()
    except BadYear as error:
        return _page(None, None, str(error), 400)
    return _page(bpf_figures(year), year)


@bp.get("/bpf.csv")
@admin_only
def bpf_csv():
    """The same figures as CSV, one line per figure, named bpf-<year>.csv."""
    try:
        year = _year()
    except BadYear as error:
        return _page(None, None, str(error), 400)
    return csv_response(f"bpf-{year}.csv", CSV_HEADER, csv_rows(bpf_figures(year)))


def csv_rows(figures: BpfFigures) -> list[tuple]:
    """section, label, trainees, hours-trainees, hours taught: totals, breakdowns, then trainers."""
    rows: list[tuple] = [
        ("total", _("Trainees (one per learner and session)"), figures.trainees, figures.hours, ""),
        ("persons", _("Distinct persons (for information)"), figures.persons, "", ""),
    ]
    for section, lines in (
        ("category", figures.by_category),
        ("track", figures.by_track),
        ("format", figures.by_format),
    ):
        rows += [(section, line.label, line.trainees, line.hours, "") for line in lines]
    rows.append(("trainers", _("Distinct trainers: %(num)d", num=len(figures.trainers)), "", "", figures.trainer_hours))
    rows += [("trainer", line.name, "", "", line.hours) for line in figures.trainers]
    return rows
