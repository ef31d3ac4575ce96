"""The trainer's roll call: one tap per learner, sign-off, changes after sign-off, figures."""

from __future__ import annotations

import re
from decimal import Decimal

import sqlalchemy as sa
from freezegun import freeze_time

from tests.factories import PASSWORD, UserFactory
from tests.helpers import post_form
from training.accounts.services import create_api_token
from training.attendance import services
from training.attendance.models import AttendanceMark, MarkMethod, MarkStatus
from training.audit.models import AuditEntry
from training.extensions import db

PHONE = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"}


def marks(slot) -> dict[str, MarkStatus]:
    rows = db.session.execute(sa.select(AttendanceMark).where(AttendanceMark.slot_id == slot.id)).scalars()
    return {m.enrolment.user.name: m.status for m in rows}


def test_trainer_takes_the_roll_without_javascript(client, auth, trainer, morning, enrolments):
    auth.sign_in(trainer)
    page = client.get(f"/trainer/slots/{morning.id}", headers=PHONE).get_data(as_text=True)
    assert all(e.user.name in page for e in enrolments)
    assert 'name="viewport"' in page
    for enrolment, status in zip(enrolments, ("present", "late", "absent"), strict=True):
        response = post_form(
            client,
            f"/trainer/slots/{morning.id}/marks/{enrolment.id}",
            {"status": status},
            page=f"/trainer/slots/{morning.id}",
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"#learner-{enrolment.id}")
    assert marks(morning) == {
        "Alice Bernard": MarkStatus.PRESENT,
        "Bruno Caron": MarkStatus.LATE,
        "Chloé Dumas": MarkStatus.ABSENT,
    }
    page = client.get(f"/trainer/slots/{morning.id}").get_data(as_text=True)
    assert "Present: <span>1</span>" in page and "Not marked: <span>0</span>" in page
    assert "by Thomas Petit (trainer)" in page


def mark_lines(page: str) -> list[str]:
    """The line under each learner of the roll saying how they were marked, spaces folded."""
    return [" ".join(line.split()) for line in re.findall(r"data-mark-info>(.*?)</p>", page, re.S)]


def test_the_roll_says_how_each_mark_was_made(client, auth, trainer, morning, enrolments):
    """A mark made through the API reads "api", one made on the roll "trainer": each method shows its
    own label, never that of another enum with the same value ("trainer" is also a role and a device).
    After a tap, the page's script shows the same line as a reload."""
    _token, plain = create_api_token(trainer, "roll")
    db.session.commit()
    response = client.put(
        f"/api/v1/slots/{morning.id}/attendance/{enrolments[0].id}",
        json={"status": "present"},
        headers={"Authorization": f"Bearer {plain}"},
    )
    assert response.status_code == 200 and response.json["method"] == "api"
    auth.sign_in(trainer)
    roll = f"/trainer/slots/{morning.id}"
    tapped = post_form(
        client,
        f"{roll}/marks/{enrolments[1].id}",
        {"status": "late"},
        page=roll,
        headers={"Accept": "application/json"},
    )
    alice, bruno, chloe = mark_lines(client.get(roll).get_data(as_text=True))
    assert alice.startswith("Present, by Thomas Petit (api), ")
    assert bruno.startswith("Late, by Thomas Petit (trainer), ") and bruno == " ".join(tapped.json["info"].split())
    assert chloe == "Not marked yet"


def test_a_mark_updates_without_reloading(client, auth, trainer, morning, enrolments):
    auth.sign_in(trainer)
    response = post_form(
        client,
        f"/trainer/slots/{morning.id}/marks/{enrolments[0].id}",
        {"status": "excused", "note": "Rendez-vous médical"},
        page=f"/trainer/slots/{morning.id}",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json["status"] == "excused" and response.json["marked_by"] == "Thomas Petit"
    mark = db.session.scalar(sa.select(AttendanceMark))
    assert (mark.status, mark.note, mark.method) == (MarkStatus.EXCUSED, "Rendez-vous médical", MarkMethod.TRAINER)


def test_mark_all_present_marks_only_the_unmarked(client, auth, trainer, morning, enrolments):
    services.set_mark(trainer, morning, enrolments[0], MarkStatus.LATE)
    db.session.commit()
    auth.sign_in(trainer)
    post_form(client, f"/trainer/slots/{morning.id}/all-present", {}, page=f"/trainer/slots/{morning.id}")
    assert marks(morning) == {
        "Alice Bernard": MarkStatus.LATE,
        "Bruno Caron": MarkStatus.PRESENT,
        "Chloé Dumas": MarkStatus.PRESENT,
    }


def test_another_trainer_and_a_learner_cannot_see_or_mark(client, auth, morning, enrolments):
    stranger = UserFactory(email="other.trainer@example.org", roles=["trainer"])
    auth.sign_in(stranger)
    assert client.get(f"/trainer/slots/{morning.id}").status_code == 404
    response = post_form(
        client, f"/trainer/slots/{morning.id}/marks/{enrolments[0].id}", {"status": "absent"}, page="/trainer"
    )
    assert response.status_code == 404
    auth.sign_out()
    auth.sign_in(enrolments[0].user)
    assert client.get(f"/trainer/slots/{morning.id}").status_code == 403
    assert marks(morning) == {}


def test_sign_off_needs_a_complete_roll(client, auth, trainer, morning, enrolments):
    auth.sign_in(trainer)
    response = post_form(
        client, f"/trainer/slots/{morning.id}/sign-off", {"password": PASSWORD}, page=f"/trainer/slots/{morning.id}"
    )
    assert response.status_code == 409
    assert "Mark every learner before signing off" in response.get_data(as_text=True)
    assert services.signoff(morning) is None


def test_after_sign_off_a_change_needs_a_reason_and_keeps_both_values(client, auth, trainer, morning, enrolments):
    services.mark_all_present(trainer, morning)
    services.sign_off(trainer, morning, PASSWORD)
    db.session.commit()
    auth.sign_in(trainer)
    url = f"/trainer/slots/{morning.id}/marks/{enrolments[1].id}"
    response = post_form(client, url, {"status": "absent"}, page=f"/trainer/slots/{morning.id}")
    assert response.status_code == 422
    assert "give the reason for the change" in response.get_data(as_text=True)
    assert marks(morning)["Bruno Caron"] is MarkStatus.PRESENT
    post_form(
        client,
        url,
        {"status": "absent", "reason": "Parti à 10 h, signalé par le stagiaire"},
        page=f"/trainer/slots/{morning.id}",
    )
    assert marks(morning)["Bruno Caron"] is MarkStatus.ABSENT
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "attendance.changed"))
    assert entry.before["status"] == "present" and entry.after["status"] == "absent"
    assert entry.reason == "Parti à 10 h, signalé par le stagiaire" and entry.actor_id == trainer.id


def test_hours_attended_for_a_mix_of_marks(ctx, trainer, today_session, enrolments):
    morning, afternoon = today_session.slots
    alice, bruno, chloe = enrolments
    with freeze_time(afternoon.starts_at):  # the afternoon has begun
        services.set_mark(trainer, morning, alice, MarkStatus.PRESENT)
        services.set_mark(trainer, afternoon, alice, MarkStatus.LATE)
        services.set_mark(trainer, morning, bruno, MarkStatus.EXCUSED)
        services.set_mark(trainer, afternoon, bruno, MarkStatus.PRESENT)
        services.set_mark(trainer, morning, chloe, MarkStatus.ABSENT)
    db.session.commit()
    hours = services.learner_hours([alice.id, bruno.id, chloe.id])
    assert [hours[e.id]["hours_attended"] for e in enrolments] == [Decimal("7"), Decimal("3.5"), Decimal("0")]
    assert [hours[e.id]["attendance_rate"] for e in enrolments] == [100, 50, 0]
    assert hours[alice.id]["hours_scheduled"] == Decimal("7")


def test_an_absence_alerts_the_training_office(ctx, trainer, morning, enrolments, mailbox):
    services.set_mark(trainer, morning, enrolments[2], MarkStatus.ABSENT, note="Pas de nouvelles")
    db.session.commit()
    [alert] = mailbox
    assert alert["To"] == "formation@genother.example"
    body = alert.get_body(("plain",)).get_content()
    assert "Chloé Dumas" in body and "Pas de nouvelles" in body
    services.set_mark(trainer, morning, enrolments[2], MarkStatus.ABSENT, note="Toujours rien")
    db.session.commit()
    assert len(mailbox) == 1  # still absent: no second alert


def test_trainer_home_puts_today_first(client, auth, trainer, ctx):
    from datetime import date

    from tests.factories import SessionFactory

    with freeze_time("2026-06-10 08:30:00"):  # 10:30 in Paris
        SessionFactory(day=date(2026, 6, 10), trainers=[trainer], course__title="Aujourd'hui")
        SessionFactory(day=date(2026, 6, 24), trainers=[trainer], course__title="Plus tard")
        auth.sign_in(trainer)
        page = client.get("/trainer").get_data(as_text=True)
    today = page.index("Today")
    upcoming = page.index("Upcoming and running sessions")
    assert today < page.index("Aujourd&#39;hui") < upcoming < page.index("Plus tard")
    assert "0 of 0 marked" in page


def test_only_confirmed_learners_can_be_marked(ctx, trainer, morning):
    from tests.factories import SessionFactory
    from training.enrolment.models import Enrolment, EnrolmentStatus

    elsewhere = SessionFactory()
    enrolment = Enrolment(
        session=elsewhere, user=UserFactory(), status=EnrolmentStatus.CONFIRMED, confirmed_at=morning.starts_at
    )
    db.session.add(enrolment)
    db.session.commit()
    import pytest

    with pytest.raises(services.AttendanceError):
        services.set_mark(trainer, morning, enrolment, MarkStatus.PRESENT)


def test_session_page_shows_each_learners_hours_and_the_session_rate(client, auth, trainer, today_session, enrolments):
    morning, afternoon = today_session.slots
    for enrolment in enrolments:
        services.set_mark(trainer, morning, enrolment, MarkStatus.PRESENT)
    services.set_mark(trainer, afternoon, enrolments[0], MarkStatus.EXCUSED)
    db.session.commit()
    auth.sign_in(trainer)
    page = client.get(f"/trainer/sessions/{today_session.id}").get_data(as_text=True)
    assert "Attendance rate of the session: 50 %" in page  # 3 x 3.5 h of 3 x 7 h
    assert "3.5 / 7 h" in page


def test_a_name_with_a_line_break_is_folded_into_the_subject(ctx, trainer, morning, enrolments, mailbox):
    learner = enrolments[2].user
    learner.name = "Chloé Dumas\r\nBcc: attacker@example.org"
    db.session.commit()
    services.set_mark(trainer, morning, enrolments[2], MarkStatus.ABSENT)
    db.session.commit()
    [alert] = mailbox
    assert alert["Subject"] == "Absence : Chloé Dumas Bcc: attacker@example.org" or alert["Subject"].endswith(
        "Chloé Dumas Bcc: attacker@example.org"
    )
    assert alert["Bcc"] is None and "\n" not in alert["Subject"]
