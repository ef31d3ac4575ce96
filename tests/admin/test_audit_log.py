"""The audit log viewer: filters, CSV export, and no way to change a row."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tests.factories import UserFactory
from tests.helpers import QueryCounter, count_rows, post_form
from training.admin import audit_log
from training.audit.models import AuditEntry
from training.extensions import db


def _entry(action, object_type="courses", object_id="1", actor="ada@lab.example", at=None, **fields):
    entry = AuditEntry(
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor_label=actor,
        at=at or datetime(2026, 3, 10, 9, 0, tzinfo=UTC),
        **fields,
    )
    db.session.add(entry)
    return entry


@pytest.fixture
def log(admin):
    _entry("course.created", after={"title": "AAV vectors"}, reason="new programme")
    _entry("course.published", at=datetime(2026, 3, 12, 9, 0, tzinfo=UTC))
    _entry(
        "enrolment.cancelled",
        "enrolments",
        "7",
        actor="bob@lab.example",
        at=datetime(2026, 4, 1, 21, 30, tzinfo=UTC),
        before={"status": "confirmed"},
        after={"status": "cancelled"},
    )
    db.session.commit()


def _rows(page: str) -> int:
    return page.count("<code>")


def test_filters_by_object_actor_action_and_date(client, auth, admin, log):
    auth.sign_in(admin)
    page = client.get("/admin/audit?object_type=courses&object_id=1").get_data(as_text=True)
    assert _rows(page) == 2 and "course.created" in page and "enrolment.cancelled</code>" not in page
    page = client.get("/admin/audit?actor=BOB@").get_data(as_text=True)
    assert _rows(page) == 1 and "enrolment.cancelled</code>" in page
    page = client.get("/admin/audit?action=course.").get_data(as_text=True)
    assert _rows(page) == 2
    page = client.get("/admin/audit?action=course.published").get_data(as_text=True)
    assert _rows(page) == 1
    # 1 April 21:30 UTC is 1 April 23:30 in Paris: the day is the Paris day.
    page = client.get("/admin/audit?from=2026-04-01&to=2026-04-01").get_data(as_text=True)
    assert _rows(page) == 1 and "enrolment.cancelled</code>" in page
    page = client.get("/admin/audit?from=2026-03-11&to=2026-03-31").get_data(as_text=True)
    assert _rows(page) == 1 and "course.published" in page


def test_malformed_filters_get_a_clear_400(client, auth, admin, log):
    auth.sign_in(admin)
    response = client.get("/admin/audit?from=2026-13-45")
    assert response.status_code == 400
    assert "Not a valid date value." in response.get_data(as_text=True)
    response = client.get("/admin/audit?from=2026-05-01&to=2026-04-01")
    assert response.status_code == 400
    assert "The end date is before the start date." in response.get_data(as_text=True)
    assert client.get("/admin/audit.csv?to=yesterday").status_code == 400


def test_the_export_holds_the_filtered_rows_with_values_and_reasons(client, auth, admin, log):
    _entry("course.updated", reason='=HYPERLINK("http://evil.example")')
    db.session.commit()
    auth.sign_in(admin)
    response = client.get("/admin/audit.csv?object_type=courses")
    assert response.headers["Content-Disposition"] == 'attachment; filename="audit-log.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(row["action"] for row in rows) == ["course.created", "course.published", "course.updated"]
    created = next(row for row in rows if row["action"] == "course.created")
    assert created["after"] == '{"title": "AAV vectors"}' and created["reason"] == "new programme"
    assert created["at_utc"] == "2026-03-10T09:00:00+00:00"
    updated = next(row for row in rows if row["action"] == "course.updated")
    assert updated["reason"] == '\'=HYPERLINK("http://evil.example")'  # a spreadsheet shows it, never runs it


def test_a_role_change_made_in_the_app_shows_in_the_log(client, auth, admin):
    person = UserFactory(name="Chloé Roux")
    db.session.commit()
    auth.sign_in(admin)
    post_form(client, f"/admin/users/{person.id}", {"roles": ["learner", "trainer"], "reason": "Teaches QC"})
    page = client.get(f"/admin/audit?object_type=users&object_id={person.id}").get_data(as_text=True)
    assert "user.roles_changed" in page and "Teaches QC" in page and admin.email in page


def test_the_log_has_no_way_to_change_a_row(app, log):
    writes = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "audit" in rule.rule and rule.methods - {"GET", "HEAD", "OPTIONS"}
    ]
    assert writes == []
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.update(AuditEntry).values(reason="rewritten"))
    db.session.rollback()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.delete(AuditEntry))
    db.session.rollback()
    assert count_rows(AuditEntry) == 3


def _options(page: str, name: str) -> list[str]:
    """The values offered by the select named `name`, in order, the empty "any" choice left out."""
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S)
    assert select, f"no select {name}"
    return [value for value in re.findall(r'<option[^>]*value="([^"]*)"', select.group(0)) if value]


def _busy_log(entries: int) -> None:
    for n in range(entries):
        _entry(f"enrolment.step{n % 7}", "enrolments", str(n), actor=f"user{n % 13}@lab.example")
    db.session.commit()


def test_the_menus_offer_what_the_log_holds_with_the_same_queries_at_any_size(client, auth, admin, log):
    auth.sign_in(admin)

    def page() -> tuple[int, str]:
        with QueryCounter(db.engine) as counter:
            html = client.get("/admin/audit").get_data(as_text=True)
        return counter.count, html

    few, html = page()
    assert _options(html, "object_type") == ["courses", "enrolments"]
    assert _options(html, "action") == [
        "course.",
        "enrolment.",
        "course.created",
        "course.published",
        "enrolment.cancelled",
    ]
    _busy_log(250)
    many, html = page()
    assert many == few
    assert _options(html, "action")[-7:] == [f"enrolment.step{n}" for n in range(7)]
    assert "253 entries" in html


def test_past_the_cap_the_page_says_more_than_and_stops_its_pager(client, auth, admin, log, monkeypatch):
    monkeypatch.setattr(audit_log, "LOG_COUNT_CAP", 150)
    _busy_log(250)
    auth.sign_in(admin)
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "More than 150 entries: the pages show the newest 150." in html
    assert "page=2" in html and "page=3" not in html
    html = client.get("/admin/audit?action=course.").get_data(as_text=True)
    assert "2 entries" in html and "More than" not in html


def test_the_actor_filter_takes_like_wildcards_literally(client, auth, admin, log):
    _entry("course.updated", actor="r%_oot@lab.example")
    db.session.commit()
    auth.sign_in(admin)
    assert _rows(client.get("/admin/audit?actor=%_").get_data(as_text=True)) == 1
    assert _rows(client.get("/admin/audit?actor=_").get_data(as_text=True)) == 1
    assert _rows(client.get("/admin/audit?actor=LAB.EX").get_data(as_text=True)) == 4


def test_the_export_runs_the_same_queries_however_long_the_log(client, auth, admin, log):
    auth.sign_in(admin)

    def export() -> tuple[int, int]:
        with QueryCounter(db.engine) as counter:
            response = client.get("/admin/audit.csv")
        return counter.count, len(list(csv.reader(io.StringIO(response.get_data(as_text=True)))))

    few, few_lines = export()
    _busy_log(2500)
    many, many_lines = export()
    assert many == few and many_lines == few_lines + 2500


def test_an_action_family_is_read_from_the_prefix_index_on_postgresql(postgres_database):
    """The family filter is LIKE 'prefix%'. Under PostgreSQL's usual collations the index on
    `action` cannot serve it, and counting a family read that index from its first entry (0.6 s at
    ten years x 10, docs/performance.md); the pattern-ops index turns the prefix into a range."""
    from tests.conftest import migrated_app
    from training.audit import queries

    with migrated_app(postgres_database) as app, app.app_context():
        count = queries.capped_count(queries.log_query(queries.LogFilter(action="enrolment.")), 10_001)
        query = queries.log_query(queries.LogFilter(action="enrolment.")).order_by(None).limit(10_001)
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        with db.engine.connect() as conn:
            conn.execute(sa.text("SET enable_seqscan = off"))  # an empty table: make the planner show its index
            plan = "\n".join(row[0] for row in conn.execute(sa.text(f"EXPLAIN {compiled}")))
    assert count == 0
    assert "ix_audit_log_action_prefix" in plan and "Index Cond" in plan, plan
