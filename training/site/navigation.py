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
    menu: object = None  # the label of the drop-down menu the entry sits in, if any
    anonymous_only: bool = False  # signed-in people find it in the footer


REPORTS = _l("Reports")

# Endpoints of features that are not built yet are skipped until they exist.
NAV_ENTRIES = (
    NavEntry("catalogue.index", _l("Courses")),
    NavEntry("enrolment.my_trainings", _l("My trainings"), Role.LEARNER),
    NavEntry("attendance.trainer_home", _l("My sessions"), Role.TRAINER),
    NavEntry("admin.dashboard", _l("Dashboard"), Role.ADMIN),
    NavEntry("admin.pending_enrolments", _l("Approvals"), Role.ADMIN),
    NavEntry("admin.courses", _l("Courses admin"), Role.ADMIN),
    NavEntry("admin.users", _l("People"), Role.ADMIN),
    NavEntry("admin.bpf", _l("BPF figures"), Role.ADMIN, menu=REPORTS),
    NavEntry("admin.exports", _l("CSV exports"), Role.ADMIN, menu=REPORTS),
    NavEntry("admin.audit_log", _l("Audit log"), Role.ADMIN, menu=REPORTS),
    NavEntry("admin.emails", _l("Emails"), Role.ADMIN, menu=REPORTS),
    NavEntry("certificates.verify_form", _l("Verify a certificate"), anonymous_only=True),
)


def nav_items() -> list[dict]:
    """The entries the current user may see, with the current page marked; a menu's entries
    are gathered under one item with `children`."""
    items: list[dict] = []
    menus: dict[str, dict] = {}
    for entry in NAV_ENTRIES:
        if entry.endpoint not in current_app.view_functions:
            continue
        if entry.role and not (current_user.is_authenticated and current_user.has_role(entry.role)):
            continue
        if entry.anonymous_only and current_user.is_authenticated:
            continue
        item = {"url": url_for(entry.endpoint), "label": entry.label, "active": request.endpoint == entry.endpoint}
        if entry.menu is None:
            items.append(item)
            continue
        key = str(entry.menu)
        if key not in menus:
            menus[key] = {"label": entry.menu, "children": [], "active": False}
            items.append(menus[key])
        menus[key]["children"].append(item)
        menus[key]["active"] = menus[key]["active"] or item["active"]
    return items


def template_helpers() -> dict:
    """Functions every template may call."""
    return {
        "nav_items": nav_items,
        "current_locale": lambda: str(get_locale() or "fr"),
        "Role": Role,
        "has_endpoint": lambda endpoint: endpoint in current_app.view_functions,
    }
