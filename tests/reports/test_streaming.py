"""CSV downloads are streamed: the first chunk leaves before the rows are all read, the bytes are
those of the whole document, the SQL is the same however many rows, and a failure is logged."""

from __future__ import annotations

import csv
import io
import itertools
import logging
from collections.abc import Iterator
from datetime import date

import pytest
from flask_login import login_user

from tests import factories
from tests.factories import CourseFactory, UserFactory, paris
from tests.helpers import QueryCounter
from tests.reports.conftest import enrol, make_session, mark
from training.attendance.models import MarkStatus
from training.csvexport import CHUNK_CHARS, csv_response
from training.extensions import db

HEADER = ("name", "note", "amount")


def _rows(count: int, seen: list[int]) -> Iterator[tuple]:
    """`count` rows, noting in `seen` how many were read so far."""
    for n in range(count):
        seen[0] = n + 1
        yield (f"learner {n}", "=SUM(A1)" if n % 2 else 'says "hi", then\nleaves', -n)


def _whole(count: int) -> str:
    """The document as one string, written in one go: what the stream must add up to."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for name, note, amount in _rows(count, [0]):
        writer.writerow((name, "'" + note if note.startswith("=") else note, amount))
    return "\ufeff" + buffer.getvalue()


def test_the_first_chunk_leaves_before_the_rows_are_all_read(app):
    seen = [0]
    with app.test_request_context():
        response = csv_response("big.csv", HEADER, _rows(20_000, seen))
        assert response.is_streamed and "Content-Length" not in response.headers
        chunks = iter(response.response)
        first = next(chunks)
        assert seen[0] == 1
        assert first == "\ufeffname,note,amount\r\n" + 'learner 0,"says ""hi"", then\nleaves",0\r\n'
        rest = list(chunks)
    assert seen[0] == 20_000
    assert len(rest) > 5 and all(len(chunk) >= CHUNK_CHARS for chunk in rest[:-1])
    assert first + "".join(rest) == _whole(20_000)


def test_an_empty_export_is_the_bom_and_the_header(app):
    with app.test_request_context():
        response = csv_response("empty.csv", HEADER, iter(()))
        assert list(response.response) == ["\ufeffname,note,amount\r\n"]


def test_a_query_that_fails_fails_before_any_byte(app):
    def broken():
        raise RuntimeError("database gone")
        yield ()

    with app.test_request_context(), pytest.raises(RuntimeError, match="database gone"):
        csv_response("broken.csv", HEADER, broken())


def test_a_failure_mid_download_is_logged_and_cuts_the_file(app, caplog):
    def failing():
        yield from _rows(5_000, [0])
        raise RuntimeError("connection lost")

    with app.test_request_context():
        chunks = iter(csv_response("cut.csv", HEADER, failing()).response)
        next(chunks)
        with pytest.raises(RuntimeError, match="connection lost"):
            list(chunks)
    [logged] = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert "CSV download cut.csv failed after" in logged.getMessage() and logged.exc_info


SERIALS = itertools.count(1)


def _fill(course, trainer, sessions: int, learners: int) -> None:
    """Sessions of two half-days, each learner marked present in the morning and certified."""
    for n in range(sessions):
        day = date(2025, 5, 5 + n)
        session = make_session(course, [(paris(day, 9), paris(day, 12), "3"), (paris(day, 13), paris(day, 17), "4")])
        for _m in range(learners):
            enrolment = enrol(session, UserFactory())
            mark(enrolment, session.slots[0], MarkStatus.PRESENT, trainer)
            serial = next(SERIALS)
            code, pdf = f"STREAM{serial:04d}", f"%PDF-1.7 {serial}".encode()
            factories.certify(enrolment, trainer, code, f"2025-S{serial:05d}", pdf, issued_at=paris(day, 18))


@pytest.mark.parametrize("kind", ["enrolments", "attendance", "certificates"])
def test_an_export_is_streamed_with_the_same_queries_whatever_its_size(app, admin, trainer, kind):
    course = CourseFactory(title="Capsid engineering")
    db.session.commit()
    url = f"/admin/exports/{kind}.csv?course={course.id}"

    def download() -> tuple[int, int]:
        """Statements run and lines sent, the view and the whole stream counted."""
        with app.test_request_context(url), QueryCounter(db.engine) as counter:
            login_user(db.session.get(type(admin), admin.id))
            response = app.full_dispatch_request()
            assert response.status_code == 200 and response.is_streamed
            text = "".join(response.response)
        return counter.count, text.count("\r\n")

    _fill(course, trainer, 1, 2)
    few, few_lines = download()
    _fill(course, trainer, 3, 5)
    many, many_lines = download()
    assert many == few
    assert many_lines > few_lines + 10


def test_the_download_is_rfc_4180_in_utf8_and_never_cached(client, signed_in_admin, trainer):
    course = CourseFactory(title='Vectors, "AAV" and more')
    db.session.commit()
    _fill(course, trainer, 1, 1)
    response = client.get(f"/admin/exports/enrolments.csv?course={course.id}")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbfsession_id,course,") and body.endswith(b"\r\n")
    assert b',"Vectors, ""AAV"" and more",' in body
