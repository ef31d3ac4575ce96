"""A trainer on a phone takes the roll of today's half-day and signs it off.

The clock is moved to 10:00 in Paris (forward only) so the half-day, 09:00 to 12:30, is
running and the screenshots read the same on every run.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.e2e import data
from tests.e2e.support import sign_in
from tests.factories import PARIS, PASSWORD, paris
from training.catalogue.models import Track

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
NOTE = "Train RER D en retard"


def next_paris_morning(now: datetime) -> datetime:
    """The next 10:00 in Paris from `now` (today's if it is still to come)."""
    local = now.astimezone(PARIS)
    day = local.date() if local.time() < time(10) else local.date() + timedelta(days=1)
    return paris(day, 10)


def seed_world(seed, locale: str) -> SimpleNamespace:
    """Today 09:00-12:30, Paris: a half-day taught by Thomas with three confirmed learners."""
    tag = data.new_tag()
    with seed():
        trainer = data.person(tag, "Thomas Petit", locale, roles=["trainer"])
        learners = [data.person(tag, name, locale) for name in ("Alice Bernard", "Bruno Caron", "Chloé Dumas")]
        course = data.course(tag, "Aseptic technique in the clean room", track=Track.BIOMANUFACTURING, language="en")
        start = paris(datetime.now(UTC).astimezone(PARIS).date(), 9)
        session = data.half_day_session(course, start, trainers=[trainer])
        seats = data.confirm(session, *learners)
        return SimpleNamespace(
            trainer=trainer.email,
            trainer_name=trainer.name,
            slot_id=session.slots[0].id,
            title=course.title,
            present=seats[0].id,
            absent=seats[1].id,
            late=seats[2].id,
        )


def mark(page, enrolment_id: int, status: str) -> None:
    """Tap a learner's status button; the page's script saves it and presses the button."""
    button = page.locator(f'#learner-{enrolment_id} button[name=status][value="{status}"]')
    button.tap()
    expect(button).to_have_attribute("aria-pressed", "true")


def count(page, status: str) -> int:
    """The number shown at the top of the roll for `status` ("unmarked" included)."""
    return int(page.locator(f"#roll-counts [data-count={status}] > span").inner_text())


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_trainer_journey(locale, journey, seed, clock):
    trip = journey("trainer", locale)
    clock.move_to(next_paris_morning(datetime.now(UTC)))
    world = seed_world(seed, locale)
    page = sign_in(trip, trip.new_page(**PHONE), world.trainer, "/trainer", "my-sessions")
    today = page.locator(f'section[aria-labelledby=today-heading] a[href="/trainer/slots/{world.slot_id}"]')
    assert world.title in today.inner_text()
    trip.submit(page, today, "roll-call")
    assert count(page, "unmarked") == 3

    mark(page, world.present, "present")
    mark(page, world.absent, "absent")
    page.locator(f"#learner-{world.late} details summary").tap()
    page.fill(f"#note-{world.late}", NOTE)
    mark(page, world.late, "late")
    assert [count(page, s) for s in ("present", "absent", "late", "unmarked")] == [1, 1, 1, 0]
    trip.seen(page, "roll-call-marked")

    page.fill('form[action$="/sign-off"] [name=password]', PASSWORD)  # the trainer signs with their password
    trip.submit(page, page.locator('form[action$="/sign-off"] button'), "roll-call-signed")
    assert world.trainer_name in page.get_by_test_id("signoff").inner_text()
    assert page.locator('form[action$="/sign-off"]').count() == 0
    # What was saved, as the page shows it after a reload.
    for enrolment_id, status in ((world.present, "present"), (world.absent, "absent"), (world.late, "late")):
        assert page.locator(f"#learner-{enrolment_id} .btn-mark.active").get_attribute("value") == status
    assert page.input_value(f"#note-{world.late}") == NOTE
    assert [count(page, s) for s in ("present", "absent", "late", "unmarked")] == [1, 1, 1, 0]
    trip.assert_clean()
