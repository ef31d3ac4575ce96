"""Figures that features above the catalogue contribute to its pages.

The catalogue must not import the features built on it (enrolment, attendance, surveys),
yet its pages show their figures: a session's waitlist length, a course's satisfaction and
completion rates. Those features hand their functions to `init_app`, and the catalogue
calls them without knowing where they come from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask, current_app

SessionFigures = Callable[[list[int]], dict[int, dict]]
CourseResults = Callable[[int], dict]


def init_app(
    app: Flask, *, session_figures: Iterable[SessionFigures] = (), course_results: Iterable[CourseResults] = ()
) -> None:
    """Register the functions that provide per-session figures and per-course results."""
    app.extensions["catalogue.figures"] = (list(session_figures), list(course_results))


def figures_for_sessions(session_ids: list[int]) -> dict[int, dict]:
    """Extra figures for each session id, e.g. {"waitlist_length": 3}; one query per provider."""
    merged: dict[int, dict] = {session_id: {} for session_id in session_ids}
    if not session_ids:
        return merged
    providers, _ = current_app.extensions.get("catalogue.figures", ([], []))
    for provider in providers:
        for session_id, values in provider(session_ids).items():
            merged.setdefault(session_id, {}).update(values)
    return merged


def results_for_course(course_id: int) -> dict:
    """Published results of a course (satisfaction, completion); empty when there are none yet."""
    _, providers = current_app.extensions.get("catalogue.figures", ([], []))
    results: dict = {}
    for provider in providers:
        results.update(provider(course_id))
    return results
