"""The training office: a new course and its session, an approval, certificates issued in bulk,
one revoked, and an anonymous visitor verifying both codes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from tests.e2e import data
from tests.e2e.support import number_in, sign_in
from tests.factories import PARIS, paris
from training.catalogue.models import Track
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db

REASON = "Heures saisies sur la mauvaise session"


def seed_world(seed, locale: str) -> SimpleNamespace:
    """A pending request in a session needing approval, and a session ended yesterday with two
    learners present throughout."""
    tag = data.new_tag()
    now = datetime.now(UTC)
    today = now.astimezone(PARIS).date()
    with seed():
        admin = data.person(tag, "Ada Admin", locale, roles=["admin"])
        trainer = data.person(tag, "Thomas Petit", locale, roles=["trainer"])
        nadia, ines, hugo = (data.person(tag, name, locale) for name in ("Nadia Roux", "Inès Moreau", "Hugo Lefèvre"))
        regulatory = data.course(tag, "Regulatory strategy for ATMPs", track=Track.ENTREPRENEURSHIP, language="en")
        approval = data.half_day_session(
            regulatory, paris(today + timedelta(days=10), 9), trainers=[trainer], approval_required=True
        )
        request = Enrolment(
            session=approval, user=nadia, status=EnrolmentStatus.PENDING_APPROVAL, prerequisites_acknowledged_at=now
        )
        db.session.add(request)
        downstream = data.course(tag, "Downstream processing", track=Track.BIOMANUFACTURING, language="en")
        ended = data.half_day_session(downstream, paris(today - timedelta(days=1), 9), trainers=[trainer])
        for seat in data.confirm(ended, ines, hugo):
            data.mark_present(seat, trainer)
        db.session.flush()
        return SimpleNamespace(
            tag=tag,
            admin=admin.email,
            trainer_id=trainer.id,
            nadia=nadia.name,
            nadia_id=nadia.id,
            request=request.id,
            ended=ended.id,
            valid=ines.name,
            revoked=hugo.name,
        )


def next_monday(now: datetime):
    """A Monday four weeks or more ahead: its morning and afternoon make two half-days."""
    day = now.date() + timedelta(days=28)
    return day + timedelta(days=-day.weekday() % 7)


def create_course_and_session(trip, page, world) -> None:
    """A new course through the course form, then a one-day session of it through the session form."""
    title = "Fundraising for gene therapy start-ups"
    trip.open(page, "/admin/courses/new", "course-form")
    page.fill("main [name=title]", title)
    page.fill("main [name=slug]", f"fundraising-{world.tag}")
    page.select_option("main [name=track]", Track.ENTREPRENEURSHIP.value)
    page.select_option("main [name=language]", "en")
    page.fill("main [name=summary]", "From seed round to series A for an advanced-therapy start-up.")
    page.fill("main [name=objectives]", "Build a financing plan\nPitch to investors")
    page.fill("main [name=duration_hours]", "7")
    trip.submit(page, page.locator("main [name=submit]"), "course-created")
    assert page.locator("main h1").inner_text() == title
    course_id = int(re.search(r"/admin/courses/(\d+)$", page.url).group(1))

    trip.submit(page, page.locator(f'main a[href="/admin/courses/{course_id}/sessions/new"]'), "session-form")
    day = next_monday(datetime.now(UTC)).isoformat()
    page.fill("main [name=first_day]", day)
    page.fill("main [name=last_day]", day)
    page.fill("main [name=place]", "Genopole Campus 3, salle Jacques Monod")
    page.fill("main [name=capacity]", "8")
    page.check(f'main input[name=trainers][value="{world.trainer_id}"]')
    trip.submit(page, page.locator("main [name=submit]"), "session-created")
    assert re.search(r"/admin/sessions/\d+$", page.url)
    assert title in page.locator("main h1").inner_text()
    assert page.locator('#slots form[id^="slot-form-"]:not(#slot-form-new)').count() == 2


def approve_request(trip, page, world) -> None:
    """Approve Nadia's request from the approval queue."""
    trip.open(page, "/admin/enrolments/pending", "pending")
    row = page.locator(f"#enrolment-{world.request}")
    assert world.nadia in row.inner_text()
    trip.submit(page, row.locator('form[action$="/approve"] button'), "approved")
    assert page.locator(f"#enrolment-{world.request}").count() == 0
    assert world.nadia in page.locator("main .alert-success").inner_text()


def issue_all_and_revoke_one(trip, page, world) -> tuple[str, str]:
    """Returns the verification codes of the valid and of the revoked certificate."""
    certificates = f"/admin/sessions/{world.ended}/certificates"
    trip.open(page, certificates, "certificates")
    trip.submit(page, page.locator(f'main form[action="{certificates}"] button'), "bulk-issue")
    status = page.get_by_test_id("batch-status")
    assert status.get_attribute("data-status") == "done"
    assert number_in(status.inner_text()) == 2
    trip.submit(page, page.locator(f'main p a[href="{certificates}"]'), "certificates-issued")
    codes = {}
    for name in (world.valid, world.revoked):
        row = page.locator("main tbody tr", has_text=name)
        codes[name] = row.locator('a[href^="/verify/"]').get_attribute("href").removeprefix("/verify/")
    row = page.locator("main tbody tr", has_text=world.revoked)
    row.locator("input[name=reason]").fill(REASON)
    trip.submit(page, row.locator('form[action$="/revoke"] button'), "certificate-revoked")
    assert page.locator("main tbody tr", has_text=world.revoked).locator('form[action$="/revoke"]').count() == 0
    assert page.locator("main tbody tr", has_text=world.valid).locator('form[action$="/revoke"]').count() == 1
    return codes[world.valid], codes[world.revoked]


def verify(trip, page, code: str, label: str) -> None:
    """Type a code on the verification form, as anyone shown a certificate would."""
    page.fill("main [name=code]", code)
    trip.submit(page, page.locator("main [name=submit]"), label)
    assert page.url.endswith(f"/verify/{code}")


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_admin_journey(locale, journey, seed, clock):
    trip = journey("admin", locale)
    world = seed_world(seed, locale)
    page = sign_in(trip, trip.new_page(), world.admin, "/admin/", "dashboard")
    assert page.locator(f'#approvals a[href="/admin/users/{world.nadia_id}"]').inner_text() == world.nadia
    create_course_and_session(trip, page, world)
    approve_request(trip, page, world)
    valid, revoked = issue_all_and_revoke_one(trip, page, world)

    visitor = trip.new_page()
    trip.open(visitor, "/verify", "verify")
    verify(trip, visitor, valid, "verify-valid")
    assert visitor.locator("main .alert-success").count() == 1
    assert world.valid in visitor.locator("main dl").inner_text()
    trip.submit(visitor, visitor.locator('main a[href="/verify"]'), "verify-again")
    verify(trip, visitor, revoked, "verify-revoked")
    assert visitor.locator("main .alert-danger").count() == 1
    assert world.revoked in visitor.locator("main dl").inner_text()
    assert REASON in visitor.locator("main dl").inner_text()
    trip.assert_clean()
