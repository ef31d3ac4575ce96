"""Hypothesis over every HTML form: no 5xx, no redirect off the site, and the database stays whole.

Every POST rule of `app.url_map` outside /api/ is fuzzed, found at collection time, so a new
form is fuzzed without touching this file. Each is posted to by the least privileged role the
access table lets use it, with a valid CSRF token. The fields come from the WTForms class the
view uses (found in the view's source) and from the <form> elements that post to it on the
pages that role can open (their select, radio and checkbox options are the valid values).

Each endpoint gets explicit examples first (a plain valid body, then each date, time, number
and text field alone at the edges of its kind: year 1, 24:00, 2**63, a NUL byte, 10 kB...),
then 20 generated bodies: all valid, all valid but one field, or every field at random
(absent, valid, an edge value, any unicode, or repeated).

Design: one app, database and client per endpoint (the function-scoped fixtures); within an
endpoint the examples run one after another on the same database, as one user posting again
and again would, and the invariants are checked after each. Hypothesis is driven from inside
the test (no @given on a test function, so no fixture is shared across its examples and the
function-scoped-fixture health check does not apply), with a fixed seed (`derandomize`) and
without shrinking: shrinking would replay examples on a database the earlier ones changed.
A failure reports the first failing example as generated (see its "note" line: role, URL and
body), and the same run reproduces it.
"""

from __future__ import annotations

import inspect
import re
from functools import cache
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, Phase, example, given, note, settings
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from tests.factories import signed_in_id
from tests.helpers import csrf_token, sample_url, url_rules
from tests.security.consistency import AuditWatch, check_consistency
from tests.security.html_forms import Field, forms_of
from tests.security.strategies import baseline_body, form_bodies, one_field_edges
from tests.test_access import ACCESS
from training.accounts.models import User
from training.accounts.tokens import make_token
from training.attendance.services import checkin_token
from training.extensions import db

FORMS = [
    (endpoint, rule) for method, endpoint, rule in url_rules() if method == "POST" and not rule.startswith("/api/")
]
EXAMPLES = 20
ORDER = ("anonymous", "learner", "trainer", "admin")
# The access table posts a dead token to these; with a live one (see `fuzz_url`), the person
# the link was made for uses them: a visitor following an emailed link, a learner scanning a QR code.
TOKEN_ROLES = {
    "accounts.reset_password": "anonymous",
    "accounts.accept_invitation": "anonymous",
    "attendance.confirm_check_in": "learner",
}
FIELD_KINDS = (
    "DateTimeLocalField",
    "DateField",
    "TimeField",
    "IntegerField",
    "DecimalField",
    "BooleanField",
    "FileField",
    "EmailField",
    "PasswordField",
    "SelectMultipleField",
    "RadioField",
    "SelectField",
    "HiddenField",
    "TextAreaField",
    "StringField",
)
NOT_SENT = ("SubmitField", "CSRFTokenField")


# The access table names a batch or an email that does not exist (404 for everyone); admins alone
# may post here.
ADMIN_ONLY_ON_MISSING = {"admin.cancel_certificate_batch", "admin.resume_certificate_batch", "admin.retry_email"}


def role_for(endpoint: str) -> str:
    """The least privileged role the access table lets post to this endpoint."""
    if endpoint in TOKEN_ROLES:
        return TOKEN_ROLES[endpoint]
    if endpoint in ADMIN_ONLY_ON_MISSING:
        return "admin"
    entry = ACCESS[("POST", endpoint)]
    allowed = [r for r in ORDER if entry[r] not in (403, 404) and not (r == "anonymous" and entry[r] == 302)]
    return allowed[0]


def fuzz_url(endpoint: str, rule: str, people: dict) -> str:
    """The access table's URL, with working tokens where the rule takes one."""
    tokens = {
        "accounts.reset_password": lambda: make_token(people["learner"], "reset"),
        "accounts.accept_invitation": lambda: make_token(people["learner"], "invite"),
        "attendance.confirm_check_in": lambda: checkin_token(people["slot"]),
    }
    if endpoint in tokens:
        rule = rule.replace("<token>", tokens[endpoint]())
    return sample_url(rule, people)


# ---------------------------------------------------------------- the fields of a form


def form_classes(view) -> list[type[FlaskForm]]:
    """The FlaskForm classes named in the view's source, else in the module functions it calls
    (a view that renders a page of several forms names its own first)."""
    view = inspect.unwrap(view)
    found = _named_forms(view)
    for name in re.findall(r"\b(_?\w+)\(", inspect.getsource(view)) if not found else ():
        helper = view.__globals__.get(name)
        if inspect.isfunction(helper) and helper.__module__ == view.__module__ and helper is not view:
            found += _named_forms(helper)
    return found


def _named_forms(function) -> list[type[FlaskForm]]:
    named = [
        function.__globals__.get(n) for n in sorted(set(re.findall(r"\b([A-Z]\w*Form)\b", inspect.getsource(function))))
    ]
    return [cls for cls in named if inspect.isclass(cls) and issubclass(cls, FlaskForm)]


def _kind(field_class: type) -> str:
    return next((c.__name__ for c in field_class.__mro__ if c.__name__ in FIELD_KINDS + NOT_SENT), "StringField")


def _choices(choices) -> list[str]:
    choices = choices() if callable(choices) else choices or []
    return [str(getattr(c, "value", c[0] if isinstance(c, tuple) else c)) for c in choices]


def class_fields(form_class: type[FlaskForm]) -> dict[str, Field]:
    """The fields a WTForms class declares, with their kind and static choices."""
    fields = {}
    for name in dir(form_class):
        unbound = getattr(form_class, name)
        if getattr(unbound, "_formfield", False) and _kind(unbound.field_class) not in NOT_SENT:
            fields[name] = Field(name, _kind(unbound.field_class), _choices(unbound.kwargs.get("choices")))
    return fields


def _become(client, role: str, people: dict) -> bool:
    """Make the client's session that of `role` (nobody for anonymous), as a signed-in browser's;
    whether the session still holds the secret of the CSRF tokens read before (signing out drops it)."""
    user = db.session.get(User, people[role].id) if role != "anonymous" else None
    with client.session_transaction() as session:
        if user is None:
            session.pop("_user_id", None)
        else:
            session["_user_id"], session["_fresh"] = signed_in_id(user), True
        return "csrf_token" in session


@cache
def _page_rules() -> tuple[str, ...]:
    return tuple(
        rule
        for method, _e, rule in url_rules()
        if method == "GET" and not rule.startswith(("/api/", "/static/")) and "." not in rule.rsplit("/", 1)[-1]
    )


PAGE_FORMS: dict[str, dict[str, dict[str, Field]]] = {}


def page_fields(app, client, role: str, people: dict) -> dict[str, dict[str, Field]]:
    """Per POST endpoint, the fields of the forms that post to it on the pages `role` can open.

    The pages and their forms are the same in every test (same fixture, same ids), so each
    role's crawl is done once per run.
    """
    if role not in PAGE_FORMS:
        _become(client, role, people)
        adapter = app.url_map.bind("training.test")
        found: dict[str, dict[str, Field]] = {}
        for rule in _page_rules():
            response = client.get(sample_url(rule, people))
            forms = (
                forms_of(response.get_data(as_text=True), sample_url(rule, people))
                if response.mimetype == "text/html"
                else []
            )
            response.close()
            for form in forms:
                endpoint = _endpoint(adapter, form.action) if form.method == "POST" else None
                for field in form.fields.values() if endpoint else ():
                    _merge(found.setdefault(endpoint, {}), field)
        PAGE_FORMS[role] = found
    return PAGE_FORMS[role]


def _merge(fields: dict[str, Field], field: Field) -> None:
    """Add a page's field, or the options it offers to the field of that name seen on another page."""
    known = fields.setdefault(field.name, Field(field.name, field.kind))
    known.options += [option for option in field.options if option not in known.options]


def _endpoint(adapter, path: str) -> str | None:
    try:
        return adapter.match(path, method="POST")[0]
    except (HTTPException, RequestRedirect):
        return None


def fields_for(app, client, endpoint: str, role: str, people: dict) -> list[Field]:
    """The form class's fields, completed by the page's (options the class fills at run time)."""
    fields: dict[str, Field] = {}
    with app.test_request_context():
        for form_class in form_classes(app.view_functions[endpoint]):
            fields.update(class_fields(form_class))
    for name, field in page_fields(app, client, role, people).get(endpoint, {}).items():
        if name == "csrf_token":
            continue
        known = fields.setdefault(name, field)
        if not known.options:
            known.options = field.options
    return sorted(fields.values(), key=lambda f: f.name)


# ---------------------------------------------------------------- the test


def shown(body: dict) -> dict:
    """The body as a failure report shows it: long texts cut, files named."""

    def cut(value):
        if isinstance(value, list):
            return [cut(v) for v in value]
        if isinstance(value, tuple):
            return f"<file {value[1]}>"
        return value if len(value) <= 60 else f"{value[:40]!r}... ({len(value)} chars)"

    return {name: cut(value) for name, value in body.items()}


@pytest.mark.parametrize(
    "breakage",
    [
        "UPDATE sessions SET seats_taken = 1",  # two learners confirmed
        "UPDATE sessions SET capacity = 5",  # two learners left waiting for free seats
    ],
    ids=["seats", "waitlist"],
)
def test_the_consistency_check_sees_a_broken_invariant(crowd, breakage):
    check_consistency()
    db.session.execute(sa.text(breakage))
    db.session.commit()
    with pytest.raises(AssertionError):
        check_consistency()


# Dates whose Paris time falls before 1 January of year 1 in UTC (Paris was UTC+0:09 then).
YEAR_ONE = [
    ("/admin/sessions/{session}/duplicate", {"first_day": "0001-01-03"}),
    ("/admin/sessions/{session}/slots", {"day": "0001-01-01", "starts": "00:00", "ends": "01:00"}),
    ("/admin/sessions/{session}/slots/{slot}", {"day": "0001-01-01", "starts": "00:00", "ends": "01:00"}),
    (
        "/admin/sessions/{session}",
        {
            "place": "Evry",
            "capacity": "2",
            "enrolment_deadline": "0001-01-01T00:00",
            "cancellation_deadline": "0001-01-01T00:00",
        },
    ),
    (
        "/admin/courses/{course}/sessions/new",
        {
            "place": "Evry",
            "capacity": "2",
            "first_day": "2027-01-04",
            "last_day": "2027-01-04",
            "morning": "y",
            "morning_start": "09:00",
            "morning_end": "12:00",
            "enrolment_deadline": "0001-01-01T00:00",
        },
    ),
]


@pytest.mark.parametrize(
    "url,body", YEAR_ONE, ids=["duplicate", "add-slot", "move-slot", "edit-session", "new-session"]
)
def test_a_date_at_the_start_of_the_calendar_is_refused_not_a_crash(client, crowd, url, body):
    _become(client, "admin", crowd)
    url = url.format(session=crowd["session"].id, slot=crowd["slot"].id, course=crowd["course"].id)
    response = client.post(url, data={**body, "csrf_token": csrf_token(client)})
    assert response.status_code == 422, f"POST {url} {body}: {response.status_code}"
    check_consistency()


def test_every_form_endpoint_is_fuzzed():
    """The collection found the forms: the sign-in, the roll call and the course form among them."""
    endpoints = {endpoint for endpoint, _rule in FORMS}
    assert {"accounts.sign_in", "attendance.set_mark", "admin.new_course"} <= endpoints
    assert all(role_for(endpoint) in ORDER for endpoint in endpoints)


@pytest.mark.parametrize("endpoint,rule", FORMS, ids=[endpoint for endpoint, _rule in FORMS])
def test_a_fuzzed_form_never_fails_and_leaves_the_data_whole(app, client, crowd, endpoint, rule):
    role = role_for(endpoint)
    fields = fields_for(app, client, endpoint, role, crowd)
    fixed_url = fuzz_url(endpoint, rule, crowd)
    emails = sorted(db.session.scalars(db.select(User.email)))
    audit, token = AuditWatch(), {}
    check_consistency(audit)

    @given(body=form_bodies(fields, emails))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    def post(body):
        if not _become(client, role, crowd) or not token:
            token["value"] = csrf_token(client)
        # A new link each time: a used one is dead.
        url = fuzz_url(endpoint, rule, crowd) if endpoint in TOKEN_ROLES else fixed_url
        note(f"{role} POST {url} {shown(body)}")
        response = client.post(url, data={**body, "csrf_token": token["value"]})
        response.close()
        assert response.status_code < 500, f"{role} POST {url}: {response.status_code}"
        location = urlsplit(response.headers.get("Location", ""))
        assert location.netloc in ("", "training.test", "localhost"), f"redirected off the site: {location}"
        check_consistency(audit)

    # Explicit examples first: the plain body, then each field alone at the edges of its kind.
    for body in reversed([baseline_body(fields), *one_field_edges(fields)]):
        post = example(body=body)(post)
    post()
