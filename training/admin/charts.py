"""Bar charts as plain geometry: numbers in, rectangles, ticks and labels out.

The template `admin/_charts.html` draws the result as SVG on the server: no JavaScript
library, nothing fetched from elsewhere. Nothing here knows about Flask or Babel: the
caller passes every text already formatted, so the geometry can be tested on its own.
Every position is computed here (also where each text sits and how it is anchored), so
the template draws vertical and horizontal charts alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypedDict

# Bars are filled with a colour and a pattern, so a series never depends on colour alone.
# Every colour reaches at least 7:1 against white (WCAG AA asks 4.5:1 for text, 3:1 for shapes).
STYLES = (
    {"colour": "#0b4f6c", "pattern": "solid"},
    {"colour": "#1f6f50", "pattern": "stripes"},
    {"colour": "#7a3b69", "pattern": "dots"},
    {"colour": "#5c4a00", "pattern": "grid"},
)

# Room around the plot, in SVG units (left, top, right, bottom). Vertical bars: tick labels on
# the left, value labels above the tallest bar, two lines of group labels below. Horizontal
# bars (for phones): group labels on the left, value labels after the longest bar, ticks below.
VERTICAL_MARGINS = (44, 22, 8, 42)
HORIZONTAL_MARGINS = (76, 4, 44, 24)


class BarSizes(TypedDict, total=False):
    """Sizes `bar_chart` takes by keyword, in SVG units."""

    length: int
    bar: int
    gap: int
    group_gap: int


def style(index: int) -> dict:
    """The colour and pattern of the series at `index`."""
    return STYLES[index % len(STYLES)]


def nice_ticks(maximum: float, count: int = 4) -> list[int]:
    """Round tick values from 0 covering `maximum` in about `count` steps: 0, 5, 10, 15…"""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = max(1, int(next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)))
    return list(range(0, math.ceil(maximum / step) * step + 1, step))


def bar_chart(
    groups: list[dict],
    series: list[dict],
    values: dict[tuple, dict],
    *,
    ticks: Sequence[float],
    tick_label=str,
    horizontal: bool = False,
    length: int = 180,
    bar: int = 22,
    gap: int = 3,
    group_gap: int = 18,
    style_by_group: bool = False,
    label_width: int | None = None,
) -> dict:
    """Grouped bars: one group per item of `groups`, one bar per series in each group.

    `groups` and `series` are dicts with a "key" and a "label" (groups may add a "sublabel",
    drawn on a second line). `values` maps (group key, series key) to a dict with "value" (a
    number on the scale of `ticks`), "label" (the short text drawn by the bar) and "text" (the
    fuller text of the tooltip and the data table); a missing pair draws no bar. `length` is
    the plot's extent along the value axis, `bar` a bar's thickness, `label_width` the room
    left of horizontal bars for the group labels. With `style_by_group`, bars take their
    colour and pattern from their group (whose label then names them).
    """
    layout = _Layout(
        horizontal,
        len(groups),
        len(series) * bar + (len(series) - 1) * gap + group_gap,
        length,
        max(ticks),
        label_width,
    )
    styled = [{**s, **style(i), "index": i} for i, s in enumerate(series)]
    chart = {
        **layout.frame(),
        "horizontal": horizontal,
        "series": styled,
        "groups": [],
        "bars": [],
        "ticks": [layout.tick(tick, tick_label(tick)) for tick in ticks],
    }
    for g, group in enumerate(groups):
        start = layout.group_start(g) + group_gap / 2
        chart["groups"].append(layout.group_label(group, start + (layout.group_size - group_gap) / 2))
        for s, one in enumerate(styled):
            value = values.get((group["key"], one["key"]))
            if value is not None:
                look = {**style(g), "index": g} if style_by_group else one
                chart["bars"].append(
                    {
                        **layout.bar(value["value"], start + s * (bar + gap), bar),
                        "value": value["value"],
                        "label": value["label"],
                        "series": look,
                        "title": _title(one, group, value),
                    }
                )
    chart["table"] = _table(groups, styled, values)
    if style_by_group:
        chart["styles"] = [{**style(g), "index": g} for g in range(len(groups))]
    return chart


class _Layout:
    """Where things go: the value axis runs up (vertical bars) or right (horizontal bars)."""

    def __init__(
        self,
        horizontal: bool,
        groups: int,
        group_size: float,
        length: int,
        maximum: float,
        label_width: int | None = None,
    ):
        self.horizontal, self.group_size, self.length, self.maximum = horizontal, group_size, length, maximum
        self.left, self.top, self.right, self.bottom = HORIZONTAL_MARGINS if horizontal else VERTICAL_MARGINS
        if horizontal and label_width:
            self.left = label_width
        across = groups * group_size
        self.width = self.left + (length if horizontal else across) + self.right
        self.height = self.top + (across if horizontal else length) + self.bottom
        self.base = self.left if horizontal else self.top + length  # where the bars start

    def frame(self) -> dict:
        """The SVG size, the plot's box, and the axis line the bars stand on."""
        plot = {
            "left": self.left,
            "top": self.top,
            "right": self.width - self.right,
            "bottom": self.height - self.bottom,
        }
        axis = (
            {"x1": self.base, "y1": plot["top"], "x2": self.base, "y2": plot["bottom"]}
            if self.horizontal
            else {"x1": plot["left"], "y1": self.base, "x2": plot["right"], "y2": self.base}
        )
        return {"width": self.width, "height": self.height, "plot": plot, "axis": axis}

    def at(self, value: float) -> float:
        """The coordinate of `value` along the value axis."""
        share = min(max(value / self.maximum, 0), 1) if self.maximum else 0
        return round(self.base + self.length * share if self.horizontal else self.base - self.length * share, 1)

    def group_start(self, index: int) -> float:
        """Where the group at `index` begins across the value axis."""
        return (self.top if self.horizontal else self.left) + index * self.group_size

    def tick(self, value: float, label: str) -> dict:
        """A grid line across the plot at `value`, and its label outside the plot."""
        p, bottom = self.at(value), self.height - self.bottom
        if self.horizontal:
            return {
                "x1": p,
                "y1": self.top,
                "x2": p,
                "y2": bottom,
                "x": p,
                "y": bottom + 15,
                "anchor": "middle",
                "label": label,
            }
        return {
            "x1": self.left,
            "y1": p,
            "x2": self.width - self.right,
            "y2": p,
            "x": self.left - 6,
            "y": p + 4,
            "anchor": "end",
            "label": label,
        }

    def group_label(self, group: dict, middle: float) -> dict:
        """A group's label: left of its bars on one line, or below them on two."""
        if self.horizontal:
            return {
                **group,
                "label": _heading(group),
                "sublabel": None,
                "x": self.left - 6,
                "y": round(middle + 4, 1),
                "anchor": "end",
            }
        return {**group, "x": round(middle, 1), "y": self.base + 17, "sublabel_y": self.base + 32, "anchor": "middle"}

    def bar(self, value: float, start: float, thickness: int) -> dict:
        """A bar's rectangle and where its value label sits: after its end, outside the bar."""
        end, start = self.at(value), round(start, 1)
        if self.horizontal:
            return {
                "x": self.base,
                "y": start,
                "width": round(end - self.base, 1),
                "height": thickness,
                "label_x": end + 4,
                "label_y": round(start + thickness / 2 + 4, 1),
                "label_anchor": "start",
            }
        return {
            "x": start,
            "y": end,
            "width": thickness,
            "height": round(self.base - end, 1),
            "label_x": round(start + thickness / 2, 1),
            "label_y": end - 5,
            "label_anchor": "middle",
        }


def _heading(group: dict) -> str:
    """A group's label and sublabel on one line: "Mar 2026"."""
    return " ".join(str(part) for part in (group["label"], group.get("sublabel")) if part)


def _title(series: dict, group: dict, value: dict) -> str:
    """A bar's tooltip: which series and group it is, and its value in full."""
    heading = f"{series['label']}, {_heading(group)}" if series["label"] else _heading(group)
    return f"{heading}: {value['text']}"


def _table(groups: list[dict], series: list[dict], values: dict[tuple, dict]) -> dict:
    """The chart's numbers as a table: one row per group, one column per series."""
    rows = [
        {"label": _heading(group), "cells": [(values.get((group["key"], s["key"])) or {}).get("text") for s in series]}
        for group in groups
    ]
    return {"columns": [s["label"] for s in series], "rows": rows}
