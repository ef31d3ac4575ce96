"""Schemathesis generates requests from the OpenAPI document: no 5xx, and every response
(status, content type, body, headers) conforms to the document."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.factories import SessionFactory, UserFactory
from tests.helpers import bearer, count_rows
from training.api.openapi import openapi_document
from training.audit.models import AuditEntry
from training.catalogue.models import Course, CourseSession
from training.extensions import db


@pytest.fixture
def api_schema(app, ctx):
    """The app's own OpenAPI document, loaded from the app, with a published course to find."""
    SessionFactory(course__slug="aav-design")
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # The API refuses NUL characters with a 400 (PostgreSQL cannot store them; tested in
    # tests/core/test_input_limits.py), so "valid" examples must not hold any.
    schema.config.generation.allow_x00 = False
    return schema


@pytest.fixture
def admin_headers(ctx):
    return bearer(UserFactory(email="fuzz.admin@example.org", roles=["admin"]), "fuzz")


def operations(schema):
    """Every operation of the document (schemathesis' pytest plugin does not run on pytest 9)."""
    return [result.ok() for result in schema.get_all_operations()]


def test_api_conforms_and_never_fails(api_schema, admin_headers):
    checked = []
    for operation in operations(api_schema):

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            headers = dict(case.headers or {})
            headers.setdefault("Authorization", admin_headers["Authorization"])
            case.call_and_validate(headers=headers)

        run()
        checked.append(operation.label)
    documented = sum(len(methods) for methods in openapi_document()["paths"].values())
    assert len(checked) == documented, checked
    assert_consistent()


def assert_consistent():
    """Whatever the fuzzer stored is whole: each course and session it created has its audit row
    (the fixture's own course and session, made by a factory, have none)."""
    db.session.expire_all()
    for model, action in ((Course, "course.created"), (CourseSession, "session.scheduled")):
        stored = count_rows(model)
        audited = count_rows(AuditEntry, AuditEntry.action == action)
        assert audited == stored - 1, model
