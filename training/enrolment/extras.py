"""What features above enrolment add to a learner's enrolments (attendance, certificates).

Like `training.catalogue.figures`: the features built on enrolment hand their functions to
`init_app`; "My trainings" shows what they return without importing them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask, current_app

EnrolmentExtras = Callable[[list[int]], dict[int, dict]]


def init_app(app: Flask, providers: Iterable[EnrolmentExtras] = ()) -> None:
    """Register the functions that add per-enrolment values (one query each)."""
    app.extensions["enrolment.extras"] = list(providers)


def extras_for(enrolment_ids: list[int]) -> dict[int, dict]:
    """Extra values for each enrolment id, e.g. {"hours_attended": 7}."""
    merged: dict[int, dict] = {enrolment_id: {} for enrolment_id in enrolment_ids}
    if not enrolment_ids:
        return merged
    for provider in current_app.extensions.get("enrolment.extras", []):
        for enrolment_id, values in provider(enrolment_ids).items():
            merged.setdefault(enrolment_id, {}).update(values)
    return merged
