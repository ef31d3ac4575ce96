"""A learner, in a real browser: from the catalogue to a certificate, through the waitlist.

Catalogue (a track filter, then a search), the course page, sign-up with the emailed
confirmation link, enrolment in a full session (waitlisted, position 1), another learner
cancels (promotion), self check-in by the trainer's QR code on the day, and after the
session the certificate the training office issued, downloaded as a PDF.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import zxingcpp
from PIL import Image

from tests.e2e import data
from tests.e2e.support import number_in, sign_in
from tests.factories import PARIS, paris
from training.catalogue.models import Track


def seed_world(seed, locale: str) -> SimpleNamespace:
    """A full one-seat half-day session in two days (Omar holds the seat), and a second course."""
    tag = data.new_tag()
    today = datetime.now(UTC).astimezone(PARIS).date()
    with seed():
        trainer = data.person(tag, "Thomas Petit", locale, roles=["trainer"])
        admin = data.person(tag, "Ada Admin", locale, roles=["admin"])
        omar = data.person(tag, "Omar Benali", locale)
        course = data.course(tag, "Conception de vecteurs AAV", track=Track.RESEARCH, language="fr")
        other = data.course(tag, "GMP viral vector production", track=Track.BIOMANUFACTURING, language="en")
        day = data.weekday(today + timedelta(days=2))
        session = data.half_day_session(course, paris(day, 9), trainers=[trainer], capacity=1)
        data.half_day_session(other, paris(data.weekday(day + timedelta(days=1)), 9), trainers=[trainer])
        [omar_seat] = data.confirm(session, omar)
        return SimpleNamespace(
            title=course.title,
            slug=course.slug,
            other_slug=other.slug,
            session_id=session.id,
            slot_id=session.slots[0].id,
            slot_start=session.slots[0].starts_at,
            slot_end=session.slots[0].ends_at,
            trainer=trainer.email,
            admin=admin.email,
            omar=omar.email,
            omar_seat=omar_seat.id,
            learner=data.email_of("Léa Martin", tag),
        )


def cards(page):
    """The course cards of a catalogue page."""
    return page.locator("main article.course-card")


def card(page, slug: str):
    """The link of one course's card."""
    return page.locator(f'main article.course-card a[href="/courses/{slug}"]')


def browse(trip, page, world) -> None:
    """Filter the catalogue by track, then search, and open the course."""
    trip.open(page, "/courses", "catalogue")
    page.select_option("#f-track", Track.RESEARCH.value)
    trip.submit(page, page.locator("form.filters button.btn-primary"), "catalogue-track")
    assert card(page, world.slug).count() == 1 and card(page, world.other_slug).count() == 0
    assert cards(page).locator(".badge.track-research").count() == cards(page).count()
    page.fill("#f-q", "AAV")
    trip.submit(page, page.locator("form.filters button.btn-primary"), "catalogue-search")
    titles = cards(page).locator("h2").all_inner_texts()
    assert card(page, world.slug).count() == 1 and all("AAV" in title for title in titles)
    assert number_in(page.locator("#result-count").inner_text()) == len(titles)

    trip.submit(page, card(page, world.slug), "course")
    assert page.locator("main h1").inner_text() == world.title


def sign_up(trip, page, world, server) -> None:
    """Enrolling asks to sign in; create an account instead and follow the emailed link."""
    trip.submit(page, page.locator(f'a[href="/sessions/{world.session_id}/enrol"]'), "sign-in")
    trip.submit(page, page.locator('main a[href^="/sign-up"]'), "sign-up")
    page.fill("main [name=name]", "Léa Martin")
    page.fill("main [name=email]", world.learner)
    page.fill("main [name=organisation]", "Université d'Evry")
    page.select_option("main [name=category]", "student")
    page.select_option("main [name=locale]", trip.locale)
    page.fill("main [name=password]", data.NEW_PASSWORD)
    page.fill("main [name=confirm]", data.NEW_PASSWORD)
    trip.submit(page, page.locator("main [name=submit]"), "check-email")
    assert page.url.endswith("/sign-up/check-email")

    # The emailed link confirms the address, signs in and goes back to the session.
    trip.open(page, server.link_in_email(world.learner, "/confirm/"), "enrol")
    assert page.url.endswith(f"/sessions/{world.session_id}/enrol")
    assert page.locator("header .nav-account").inner_text().strip() == "Léa Martin"


def join_waitlist(trip, page, world) -> int:
    """Enrol in the full session: waitlisted, first in line. Returns the enrolment's id."""
    page.check("main [name=acknowledge]")
    trip.submit(page, page.locator("main [name=submit]"), "my-trainings-waitlisted")
    enrolment_id = int(re.search(r"#enrolment-(\d+)$", page.url).group(1))
    entry = page.locator(f"section[aria-labelledby=waitlist-heading] #enrolment-{enrolment_id}")
    assert entry.locator("h3").inner_text() == world.title
    assert number_in(entry.locator("[data-position-text]").inner_text()) == 1
    return enrolment_id


def omar_cancels(trip, world) -> None:
    """Omar, in his own browser, gives his seat up."""
    page = sign_in(trip, trip.new_page(), world.omar, "/my/trainings", "omar-my-trainings")
    seat = page.locator(f"section[aria-labelledby=upcoming-heading] #enrolment-{world.omar_seat}")
    trip.submit(page, seat.locator('form[action$="/cancel"] button'), "omar-cancelled")
    assert page.locator(f"details #enrolment-{world.omar_seat}").count() == 1
    assert page.locator(f"#enrolment-{world.omar_seat} form").count() == 0


def scan_trainer_code(trip, world) -> str:
    """What the learner's phone reads from the code on the trainer's screen."""
    page = sign_in(trip, trip.new_page(), world.trainer, f"/trainer/slots/{world.slot_id}/qr", "trainer-qr")
    png = page.locator("#qr svg").screenshot()
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return code.text


def issue_certificate(trip, world, enrolment_id: int) -> None:
    """The training office issues the learner's certificate from the session's page."""
    page = sign_in(
        trip, trip.new_page(), world.admin, f"/admin/sessions/{world.session_id}/certificates", "admin-certificates"
    )
    trip.submit(
        page,
        page.locator(f'form[action="/admin/enrolments/{enrolment_id}/certificate"] button'),
        "admin-certificate-issued",
    )
    row = page.locator("tbody tr", has_text="Léa Martin")
    assert row.locator('a[href^="/verify/"]').count() == 1


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_learner_journey(locale, journey, live_server, seed, clock):
    trip = journey("learner", locale)
    world = seed_world(seed, locale)
    page = trip.new_page()
    browse(trip, page, world)
    sign_up(trip, page, world, live_server)
    enrolment_id = join_waitlist(trip, page, world)

    omar_cancels(trip, world)
    trip.open(page, "/my/trainings", "my-trainings-promoted")
    seat = page.locator(f"section[aria-labelledby=upcoming-heading] #enrolment-{enrolment_id}")
    assert seat.locator(".badge.text-bg-success").count() == 1
    assert page.locator(f"section[aria-labelledby=waitlist-heading] #enrolment-{enrolment_id}").count() == 0

    clock.move_to(world.slot_start + timedelta(minutes=5))
    check_in_url = scan_trainer_code(trip, world)
    assert check_in_url.startswith(f"{live_server.url}/check-in/")
    trip.open(page, check_in_url, "check-in")
    draw_signature(page)
    trip.submit(page, page.locator("main form button.btn-primary"), "checked-in")
    assert page.locator("main .alert-success[role=status]").count() == 1

    clock.move_to(world.slot_end + timedelta(minutes=10))
    issue_certificate(trip, world, enrolment_id)
    trip.open(page, "/my/trainings", "my-trainings-certificate")
    past = page.locator(f"section[aria-labelledby=past-heading] #enrolment-{enrolment_id}")
    assert re.search(r"3[.,]5\D+3[.,]5", past.inner_text())  # hours attended of hours scheduled
    pdf = page.request.get(past.locator('a[href$=".pdf"]').get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body()[:5] == b"%PDF-"
    trip.assert_clean()


def draw_signature(page) -> None:
    """Sign in the pad with the pointer, as a finger would: a zigzag across the box."""
    box = page.locator("main canvas[data-pad]").bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 25):
        page.mouse.move(
            box["x"] + 10 + step * (box["width"] - 20) / 25, box["y"] + box["height"] * (0.3 if step % 2 else 0.7)
        )
    page.mouse.up()
    assert page.input_value("main [name=drawing]").count(",") >= 5
