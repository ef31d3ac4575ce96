"""The training office's dashboard: what needs an admin today, and charts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from flask import render_template
from flask_babel import format_date, format_percent, ngettext
from flask_babel import gettext as _

from training.accounts.auth import roles_required
from training.accounts.models import Role
from training.admin import charts
from training.admin import dashboard_queries as queries
from training.admin.blueprint import bp
from training.attendance.services import rate
from training.catalogue.models import Track
from training.site.filters import hours
from training.surveys.figures import SATISFIED_FROM

PAST_MONTHS, COMING_MONTHS = 6, 6  # the fill-rate chart: six months back, the current one and five ahead
PERCENT_TICKS = [0, 25, 50, 75, 100]


@bp.get("/")
@roles_required(Role.ADMIN)
def dashboard():
    """What needs the training office today, and how sessions fill, are attended and are rated."""
    now = datetime.now(UTC)
    upcoming = queries.upcoming_sessions(now)
    for item in upcoming["first"]:
        item["fill_label"] = _percent(item["fill"])
    return render_template(
        "admin/dashboard.html",
        now=now,
        approvals=queries.pending_approvals(),
        unsigned=queries.unsigned_slots(now),
        due=queries.certificates_due(now),
        absences=queries.absences(now),
        upcoming=upcoming,
        due_window=queries.DUE_WINDOW.days,
        absence_window=queries.ABSENCE_WINDOW.days,
        upcoming_window=queries.UPCOMING_WINDOW.days,
        charts=dashboard_charts(now),
    )


def dashboard_charts(now: datetime) -> dict:
    """The geometry of the charts (the wide ones also drawn for phones), and the year's totals."""
    year = queries.months_around(now, 11, 0)
    fill_months = queries.months_around(now, PAST_MONTHS, COMING_MONTHS - 1)
    fill = fill_values(queries.fill_by_track(fill_months))
    attendance = queries.attendance_by_month(year, now)
    rated = queries.ratings(queries.month_start(year[0]))
    return {
        "fill": fill_chart(fill_months, fill),
        "fill_phone": fill_chart(fill_months, fill, horizontal=True),
        "attendance": attendance_chart(year, attendance),
        "attendance_phone": attendance_chart(year, attendance, horizontal=True),
        "attendance_total": attendance_total(attendance),
        "ratings": ratings_chart(rated["distribution"]),
        "satisfaction": satisfaction_chart(rated["by_track"]),
        "satisfaction_total": satisfaction_total(rated["distribution"]),
        "year": (year[0], year[-1]),
    }


def _percent(value: float) -> str:
    """A whole percentage in the user's locale: 85 % or 85%."""
    return format_percent(round(value) / 100)


def _month_groups(months: list[date]) -> list[dict]:
    """Chart groups for months: the short month name, the year on a second line."""
    return [{"key": month, "label": format_date(month, "LLL"), "sublabel": str(month.year)} for month in months]


def fill_values(figures: dict[tuple[date, Track], dict]) -> dict[tuple, dict]:
    """Seats taken over capacity per (month, track); the bars are narrow, so their labels are bare numbers."""
    values = {}
    for key, cell in figures.items():
        share = 100 * cell["taken"] / cell["capacity"]
        values[key] = {
            "value": share,
            "label": str(round(share)),
            "text": _(
                "%(rate)s (%(taken)d of %(capacity)d seats)",
                rate=_percent(share),
                taken=cell["taken"],
                capacity=cell["capacity"],
            ),
        }
    return values


def fill_chart(months: list[date], values: dict, horizontal: bool = False) -> dict:
    """The fill rate per month of start, one bar per track."""
    tracks = [{"key": track, "label": track.label} for track in Track]
    size: charts.BarSizes = (
        {"length": 210, "bar": 11, "gap": 1, "group_gap": 10} if horizontal else {"bar": 24, "gap": 2}
    )
    return charts.bar_chart(
        _month_groups(months), tracks, values, ticks=PERCENT_TICKS, tick_label=_percent, horizontal=horizontal, **size
    )


def attendance_chart(months: list[date], figures: dict[date, dict], horizontal: bool = False) -> dict:
    """Hours attended over hours scheduled, per month, for confirmed learners on ended half-days."""
    values = {
        (month, "rate"): {"value": cell["rate"], "label": _percent(cell["rate"]), "text": _attendance(cell)}
        for month, cell in figures.items()
        if cell["scheduled"]
    }
    series = [{"key": "rate", "label": _("Attendance rate")}]
    size: charts.BarSizes = {"length": 210, "bar": 16, "group_gap": 8} if horizontal else {"bar": 30, "group_gap": 14}
    return charts.bar_chart(
        _month_groups(months), series, values, ticks=PERCENT_TICKS, tick_label=_percent, horizontal=horizontal, **size
    )


def _attendance(cell: dict) -> str:
    return _(
        "%(rate)s (%(attended)s h attended of %(scheduled)s h)",
        rate=_percent(cell["rate"]),
        attended=hours(cell["attended"]),
        scheduled=hours(cell["scheduled"]),
    )


def attendance_total(figures: dict[date, dict]) -> str | None:
    """The attendance rate over all the months, in words; None without any half-day."""
    attended = sum((cell["attended"] for cell in figures.values()), Decimal("0"))
    scheduled = sum((cell["scheduled"] for cell in figures.values()), Decimal("0"))
    return (
        _attendance({"rate": rate(attended, scheduled), "attended": attended, "scheduled": scheduled})
        if scheduled
        else None
    )


def ratings_chart(distribution: dict[int, int]) -> dict:
    """How many learners gave each overall rating, from 1 to 5."""
    groups = [{"key": rating, "label": str(rating), "sublabel": _("of 5")} for rating in distribution]
    values = {
        (rating, "count"): {"value": count, "label": str(count), "text": str(count)}
        for rating, count in distribution.items()
    }
    series = [{"key": "count", "label": _("Responses")}]
    return charts.bar_chart(
        groups, series, values, ticks=charts.nice_ticks(max(distribution.values())), bar=40, group_gap=20
    )


def satisfaction_chart(by_track: dict[Track, dict]) -> dict:
    """The share of overall ratings of 4 or 5 per track, in the track's pattern; no responses, no bar."""
    values = {
        (track, "rate"): {
            "value": 100 * cell["satisfied"] / cell["total"],
            "label": _percent(100 * cell["satisfied"] / cell["total"]),
            "text": _satisfied(cell["satisfied"], cell["total"]),
        }
        for track, cell in by_track.items()
    }
    groups = [{"key": track, "label": track.label} for track in Track]
    series = [{"key": "rate", "label": _("Satisfied learners")}]
    # Horizontal bars: the track names are long, and read best on the left of their bar.
    return charts.bar_chart(
        groups,
        series,
        values,
        ticks=PERCENT_TICKS,
        tick_label=_percent,
        horizontal=True,
        length=200,
        bar=24,
        group_gap=12,
        style_by_group=True,
        label_width=120,
    )


def _satisfied(satisfied: int, total: int) -> str:
    return ngettext(
        "%(rate)s (%(satisfied)d of %(num)d response)",
        "%(rate)s (%(satisfied)d of %(num)d responses)",
        total,
        rate=_percent(100 * satisfied / total),
        satisfied=satisfied,
    )


def satisfaction_total(distribution: dict[int, int]) -> str | None:
    """The share of satisfied learners over every response, in words; None without responses."""
    total = sum(distribution.values())
    satisfied = sum(count for rating, count in distribution.items() if rating >= SATISFIED_FROM)
    return _satisfied(satisfied, total) if total else None
