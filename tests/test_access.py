"""Every URL of the app, for every role: the expected answer.

The table below must name every (method, endpoint) of `app.url_map`; a new URL without
an entry fails `test_every_url_has_an_entry`. HTML POSTs carry a valid CSRF token and an
empty form, API calls the role's bearer token and an empty JSON object, so what is tested
is access, not validation.

The roles: anonymous, the learner who holds the fixture's enrolment and certificate,
another learner, the trainer who teaches the fixture's session, another trainer, an admin.
"Another learner" and "another trainer" expect what the learner and the trainer expect,
unless the entry says otherwise: that is where another person's objects must answer 404.
"""

from __future__ import annotations

import pytest

from tests.factories import signed_in_id
from tests.helpers import csrf_token, sample_url, table_counts, url_rules

ROLES = ("anonymous", "learner", "other_learner", "trainer", "other_trainer", "admin")
# Whose expectation a role shares when its entry does not name it.
LIKE = {"other_learner": "learner", "other_trainer": "trainer"}


def every(status: int) -> dict:
    return dict.fromkeys(("anonymous", "learner", "trainer", "admin"), status)


def signed_in(status: int, anonymous: int = 302) -> dict:
    return {"anonymous": anonymous, "learner": status, "trainer": status, "admin": status}


def trainer_only(status: int) -> dict:
    return {"anonymous": 302, "learner": 403, "trainer": status, "admin": status}


def admin_only(status: int) -> dict:
    return {"anonymous": 302, "learner": 403, "trainer": 403, "admin": status}


def mine(status: int, anonymous: int = 302, admin: int = 404) -> dict:
    """The learner's own object: anyone else gets 404, never a hint that it exists."""
    return {"anonymous": anonymous, "learner": status, "other_learner": 404, "trainer": 404, "admin": admin}


def api_signed_in(status: int) -> dict:
    return {"anonymous": 401, "learner": status, "trainer": status, "admin": status}


def api_admin_only(status: int) -> dict:
    return {"anonymous": 401, "learner": 403, "trainer": 403, "admin": status}


ACCESS: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "static"): every(200),
    ("GET", "site.home"): every(200),
    ("GET", "site.healthz"): every(200),
    ("GET", "site.readyz"): every(200),
    ("GET", "accounts.sign_in"): every(200),
    ("POST", "accounts.sign_in"): every(200),
    ("POST", "accounts.sign_out"): every(302),
    ("GET", "accounts.sign_up"): {**every(302), "anonymous": 200},
    ("POST", "accounts.sign_up"): {**every(302), "anonymous": 200},
    ("GET", "accounts.check_email"): every(200),
    ("GET", "accounts.confirm_email"): every(302),
    ("GET", "accounts.forgot_password"): every(200),
    ("POST", "accounts.forgot_password"): every(200),
    ("GET", "accounts.reset_password"): every(302),
    ("POST", "accounts.reset_password"): every(302),
    ("GET", "accounts.accept_invitation"): every(302),
    ("POST", "accounts.accept_invitation"): every(302),
    ("GET", "accounts.profile"): signed_in(200),
    ("POST", "accounts.profile"): signed_in(302),  # nothing sent: the stored values stand
    ("POST", "accounts.change_password"): signed_in(422),
    ("POST", "accounts.sign_out_everywhere"): signed_in(302),
    ("POST", "accounts.create_token"): signed_in(422),
    # The token belongs to the learner: anyone else gets 404, never a hint it exists.
    ("POST", "accounts.revoke_token"): mine(302),
    ("POST", "accounts.end_session"): signed_in(302),  # session 1 is the caller's own, just opened: ended
    ("POST", "accounts.set_language"): every(400),
    ("GET", "admin.users"): admin_only(200),
    ("GET", "admin.user_detail"): admin_only(200),
    ("POST", "admin.user_detail"): admin_only(200),
    ("POST", "admin.deactivate_user"): admin_only(422),  # no reason given
    ("POST", "admin.reactivate_user"): admin_only(302),  # already active: nothing to do
    ("GET", "admin.audit_log"): admin_only(200),
    ("GET", "admin.audit_log_csv"): admin_only(200),
    ("GET", "admin.emails"): admin_only(200),
    ("POST", "admin.retry_email"): admin_only(404),  # no email 999
    ("GET", "admin.dashboard"): admin_only(200),
    ("GET", "admin.bpf"): admin_only(200),
    ("GET", "admin.bpf_csv"): admin_only(200),
    ("GET", "admin.exports"): admin_only(200),
    ("GET", "admin.export_csv"): admin_only(400),  # no scope given: the form again, with the reason
    ("GET", "catalogue.index"): every(200),
    ("GET", "catalogue.course"): every(200),
    ("GET", "catalogue.course_ics"): every(200),
    ("GET", "api.courses"): every(200),
    ("GET", "api.course"): every(200),
    ("GET", "api.session"): every(200),
    ("POST", "api.create_course"): api_admin_only(422),  # an empty course
    ("PATCH", "api.update_course"): api_admin_only(200),  # nothing to change
    ("POST", "api.create_session"): api_admin_only(422),
    ("GET", "admin.courses"): admin_only(200),
    ("GET", "admin.new_course"): admin_only(200),
    ("POST", "admin.new_course"): admin_only(422),  # an empty form: errors shown next to the fields
    ("GET", "admin.course_detail"): admin_only(200),
    ("GET", "admin.edit_course"): admin_only(200),
    ("POST", "admin.edit_course"): admin_only(422),
    ("POST", "admin.course_status"): admin_only(400),  # the buttons always send a status; none is a bad request
    ("GET", "admin.new_session"): admin_only(200),
    ("POST", "admin.new_session"): admin_only(422),
    ("GET", "admin.session_detail"): admin_only(200),
    ("POST", "admin.session_detail"): admin_only(422),
    ("POST", "admin.update_slot"): admin_only(422),
    ("POST", "admin.delete_slot"): admin_only(302),  # the session keeps its other half-day
    ("POST", "admin.add_slot"): admin_only(422),
    ("GET", "admin.duplicate_session"): admin_only(200),
    ("POST", "admin.duplicate_session"): admin_only(422),
    ("POST", "admin.cancel_session"): admin_only(422),  # no reason given: refused
    # Enrolment, learner side: the fixture's enrolment belongs to the learner.
    ("GET", "enrolment.enrol"): signed_in(200),
    ("POST", "enrolment.enrol"): {
        "anonymous": 302,
        "learner": 302,
        "other_learner": 422,
        "trainer": 422,
        "admin": 422,
    },  # already in; others did not acknowledge the prerequisites
    ("GET", "enrolment.my_trainings"): signed_in(200),
    ("GET", "enrolment.enrolment_status"): mine(200),
    ("POST", "enrolment.cancel"): mine(302),
    ("GET", "enrolment.convocation"): mine(200),
    ("POST", "enrolment.new_calendar_link"): signed_in(302),
    ("GET", "enrolment.calendar_feed"): every(404),
    ("POST", "api.enrol"): {
        "anonymous": 401,
        "learner": 200,
        "other_learner": 422,
        "trainer": 422,
        "admin": 422,
    },  # already in: the same enrolment; others: no acknowledgement
    ("DELETE", "api.cancel_enrolment"): {**mine(200, anonymous=401), "admin": 409},  # an admin must give a reason
    ("GET", "api.my_enrolments"): api_signed_in(200),
    # Enrolment, training office side: the fixture's enrolment is confirmed, not awaiting approval.
    ("GET", "admin.pending_enrolments"): admin_only(200),
    ("POST", "admin.approve_enrolment"): admin_only(302),  # refused (not awaiting approval), flashed
    ("POST", "admin.reject_enrolment"): admin_only(422),  # no reason given: refused
    ("POST", "admin.cancel_enrolment"): admin_only(422),  # no reason given: refused
    ("POST", "admin.enrol_on_behalf"): admin_only(422),  # no email given
    # Attendance: the fixture's trainer teaches the session; a learner is no trainer.
    ("GET", "attendance.trainer_home"): trainer_only(200),
    ("GET", "attendance.session_detail"): {**trainer_only(200), "other_trainer": 404},
    ("GET", "attendance.roll_call"): {**trainer_only(200), "other_trainer": 404},
    ("POST", "attendance.set_mark"): {**trainer_only(422), "other_trainer": 404},  # no status chosen
    # The fixture's half-day has not started: present cannot be marked yet (409, nothing changes).
    ("POST", "attendance.all_present"): {**trainer_only(409), "other_trainer": 404},
    ("POST", "attendance.sign_off"): {**trainer_only(422), "other_trainer": 404},  # the half-day has not started
    ("GET", "attendance.qr_page"): {**trainer_only(200), "other_trainer": 404},
    ("GET", "attendance.qr_svg"): {**trainer_only(200), "other_trainer": 404},
    ("GET", "attendance.attendance_sheet"): {**trainer_only(200), "other_trainer": 404},
    # A learner signs on the trainer's phone: the page asks to mark them present first; no password sent.
    ("GET", "attendance.sign_on_device"): {**trainer_only(200), "other_trainer": 404},
    ("POST", "attendance.sign_on_device"): {**trainer_only(422), "other_trainer": 404},
    ("GET", "attendance.check_in"): signed_in(403),  # not a valid code
    ("POST", "attendance.confirm_check_in"): signed_in(403),
    ("GET", "api.slot_attendance"): {**api_admin_only(200), "trainer": 200, "other_trainer": 404},
    ("PUT", "api.put_mark"): {**api_admin_only(422), "trainer": 422, "other_trainer": 404},  # no status sent
    # Certificates: the fixture's session has not ended, so nobody is eligible yet.
    ("GET", "certificates.verify_form"): every(200),
    ("POST", "certificates.verify_form"): every(422),  # neither a code nor a file
    ("GET", "certificates.verify"): every(200),  # anyone may verify a certificate
    ("GET", "certificates.download"): mine(200, admin=200),
    ("GET", "admin.session_certificates"): admin_only(200),
    ("POST", "admin.issue_certificate"): admin_only(302),  # refused with a flash: not eligible
    ("POST", "admin.issue_all"): admin_only(302),
    ("GET", "admin.certificate_batch"): admin_only(404),
    ("GET", "admin.certificate_batch_status"): admin_only(404),
    ("POST", "admin.cancel_certificate_batch"): admin_only(404),  # no batch 999
    ("POST", "admin.resume_certificate_batch"): admin_only(404),
    ("POST", "admin.revoke_certificate"): admin_only(422),  # no reason given
    ("GET", "admin.certificates_zip"): admin_only(200),
    ("GET", "api.certificate"): every(200),
    ("GET", "api.certificate_pdf"): mine(200, anonymous=401, admin=200),
    ("GET", "api.my_certificates"): api_signed_in(200),
    ("POST", "api.issue_session_certificates"): api_admin_only(200),  # nobody eligible yet: an empty report
    ("GET", "api.openapi"): every(200),
    # Survey: the fixture's session has not ended: the page says when it opens, a POST is refused (409).
    ("GET", "surveys.answer"): mine(200),
    ("POST", "surveys.answer"): mine(409),
    ("GET", "surveys.session_results"): admin_only(200),
    ("GET", "surveys.course_results"): admin_only(200),
    ("POST", "api.create_token"): every(401),
    ("GET", "api.me"): api_signed_in(200),
}


RULES = url_rules()


def test_every_url_has_an_entry():
    missing = [(m, e) for m, e, _ in RULES if (m, e) not in ACCESS]
    stale = [key for key in ACCESS if key not in {(m, e) for m, e, _ in RULES}]
    assert missing == [], f"add these to ACCESS in tests/test_access.py: {missing}"
    assert stale == [], f"these ACCESS entries match no URL any more: {stale}"


def expected_status(entry: dict[str, int], role: str) -> int:
    """The entry's status for `role`, or that of the role it is like."""
    return entry[role] if role in entry else entry[LIKE[role]]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,endpoint,rule", RULES, ids=[f"{m} {r}" for m, _e, r in RULES])
def test_access(client, people, role, method, endpoint, rule):
    entry = ACCESS.get((method, endpoint))
    if entry is None:
        pytest.fail(f"{method} {endpoint} has no entry in ACCESS")
    url = sample_url(rule, people)
    if role != "anonymous" and not rule.startswith("/api/"):
        # Signed in as signing in does: a server-side session, opened before the row counts are taken.
        with client.session_transaction() as session:
            session["_user_id"] = signed_in_id(people[role])
            session["_fresh"] = True
    before = table_counts() if method == "GET" else None
    registers = GET_REGISTERS.get(endpoint, set()) if expected_status(entry, role) == 200 else set()
    if rule.startswith("/api/"):
        # The API ignores the cookie session: each role calls it with its own bearer token.
        headers = {"Authorization": f"Bearer {people['bearers'][role]}"} if role != "anonymous" else {}
        response = client.open(url, method=method, headers=headers, json=None if method == "GET" else {})
    else:
        if method == "GET":
            response = client.get(url)
        else:
            response = client.open(url, method=method, data={"csrf_token": csrf_token(client)})
    response.close()
    assert response.status_code == expected_status(entry, role), f"{role} {method} {url}"
    if before is not None:
        after = table_counts()
        for table in registers:  # the document handed out is registered once, with its audit row
            assert after[table] == before[table] + 1, f"{role} GET {url} did not register one row in {table}"
            after[table] = before[table]
        assert after == before, f"{role} GET {url} changed the database"


# The GETs that register the document they hand out (an attendance sheet gets a verification code
# and its fingerprint is kept, so the verification page recognises it), and the tables they add to.
GET_REGISTERS = {"attendance.attendance_sheet": {"attendance_sheets", "audit_log"}}


def test_the_table_covers_every_role():
    for key, entry in ACCESS.items():
        for role in ROLES:
            assert role in entry or LIKE.get(role) in entry, f"{key} has no status for {role}"


HTML_WRITES = [(m, e, r) for m, e, r in RULES if m != "GET" and not r.startswith("/api/")]


@pytest.mark.parametrize("method,endpoint,rule", HTML_WRITES, ids=[f"{m} {r}" for m, _e, r in HTML_WRITES])
def test_html_writes_without_csrf_token_are_refused(client, people, method, endpoint, rule):
    with client.session_transaction() as session:
        session["_user_id"] = signed_in_id(people["admin"])
    response = client.open(sample_url(rule, people), method=method, data={"locale": "en", "name": "x"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
