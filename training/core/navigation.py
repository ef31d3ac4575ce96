"""The navigation bar: each role sees the pages it may use, as those features exist."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from training.accounts.models import Role


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: object
    role: Role | None = None  # None: everyone, signed in or not


# Endpoints of features that are not built yet are skipped until they exist.
NAV_ENTRIES = (
    NavEntry("catalogue.index", _l("Courses")),
    NavEntry("enrolment.my_trainings", _l("My trainings"), Role.LEARNER),
    NavEntry("attendance.trainer_home", _l("My sessions"), Role.TRAINER),
    NavEntry("admin.dashboard", _l("Dashboard"), Role.ADMIN),
    NavEntry("admin.pending_enrolments", _l("Approvals"), Role.ADMIN),
    NavEntry("admin.courses", _l("Courses admin"), Role.ADMIN),
    NavEntry("admin.users", _l("People"), Role.ADMIN),
    NavEntry("admin.bpf", _l("BPF"), Role.ADMIN),
    NavEntry("admin.exports", _l("Exports"), Role.ADMIN),
    NavEntry("admin.audit_log", _l("Audit log"), Role.ADMIN),
    NavEntry("certificates.verify_form", _l("Verify a certificate")),
)


def nav_items() -> list[dict]:
    """The entries the current user may see, with the current page marked."""
    items = []
    for entry in NAV_ENTRIES:
        if entry.endpoint not in current_app.view_functions:
            continue
        if entry.role and not (current_user.is_authenticated and current_user.has_role(entry.role)):
            continue
        items.append({"url": url_for(entry.endpoint), "label": entry.label,
                      "active": request.endpoint == entry.endpoint})
    return items


def template_helpers() -> dict:
    """Functions every template may call."""
    return {"nav_items": nav_items, "current_locale": lambda: str(get_locale() or "fr"), "Role": Role,
            "has_endpoint": lambda endpoint: endpoint in current_app.view_functions}
