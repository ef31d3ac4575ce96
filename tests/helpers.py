"""Plain helpers shared by the tests: a skip that fails in CI, forms posted with their CSRF token,
rows counted, audit entries, API tokens, the app's URLs, SQL statements counted, emails and PDFs
read. Fixtures live in conftest.py, row builders in factories.py."""

from __future__ import annotations

import functools
import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from training import create_app
from training.accounts.services import create_api_token
from training.audit.models import AuditEntry
from training.extensions import db

IN_CI = os.environ.get("CI", "").lower() == "true"


# ---------------------------------------------------------------- missing services, forms


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def skip_or_fail(reason: str):
    """Skip with `reason`, except in CI where a missing service is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this test must run, not skip)")
    pytest.skip(reason)


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, page: str = "/sign-in", headers: dict | None = None) -> str:
    """The CSRF token of the client's session, read from a page as a browser would."""
    response = client.get(page, headers=headers)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def post_form(client, url: str, data: dict, page: str | None = None, **kwargs):
    """POST a form with the CSRF token of `page` (default: the form's own URL)."""
    token = csrf_token(client, page or url, kwargs.get("headers"))
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def is_plain(value) -> bool:
    """Whether `value` is made of dicts, lists, strings, ints, bools and None only (no ORM object)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(is_plain(v) for v in value)
    return value is None or type(value) in (str, int, bool)


# ---------------------------------------------------------------- the database


def count_rows(model, *where) -> int:
    """The number of rows of `model` (a mapped class or a table) matching every condition in `where`."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def table_counts(*names: str) -> dict[str, int]:
    """The number of rows of each table named (default: every table), read afresh from the database."""
    db.session.expire_all()
    tables = [db.metadata.tables[name] for name in names] if names else db.metadata.sorted_tables
    return {table.name: count_rows(table) for table in tables}


def audit(action: str) -> list[AuditEntry]:
    """The audit log's entries for `action`, oldest first."""
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


class QueryCounter:
    """Counts the SQL statements an engine runs while active."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _count(self, *_args, **_kwargs):
        self.count += 1

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._count)


# ---------------------------------------------------------------- the app's URLs and the API


def bearer(user, name: str = "test") -> dict:
    """The Authorization header of a new API token of `user` (committed)."""
    _token, plain = create_api_token(user, name)
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


@functools.cache
def url_rules() -> tuple[tuple[str, str, str], ...]:
    """Every (method, endpoint, rule) of the app's URL map, HEAD and OPTIONS left out, sorted."""
    app = create_app("test")
    return tuple(
        sorted(
            (method, rule.endpoint, rule.rule)
            for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}
        )
    )


def sample_url(rule: str, people: dict) -> str:
    """`rule` with each placeholder filled with the matching object of the `people` fixture."""
    values = {
        "<path:filename>": "css/app.css",
        "<token>": "not-a-valid-token",
        "<int:user_id>": str(people["learner"].id),
        "<int:token_id>": str(people["token_id"]),
        "<slug>": people["course"].slug,
        "<int:course_id>": str(people["course"].id),
        "<int:session_id>": str(people["session"].id),
        "<int:slot_id>": str(people["slot"].id),
        "<int:enrolment_id>": str(people["enrolment"].id),
        "<code>": people["certificate"].code,
        "<int:batch_id>": "999",
        "<int:message_id>": "999",
        "<kind>": "attendance",
        "<int:certificate_id>": str(people["certificate"].id),
    }
    for placeholder, value in values.items():
        rule = rule.replace(placeholder, value)
    assert "<" not in rule, f"no sample value for {rule}"
    return rule


# ---------------------------------------------------------------- emails


def plain_body(message) -> str:
    """An email's text part, with the wire's CRLF line ends made plain newlines."""
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def bodies(message) -> tuple[str, str]:
    """An email's text and HTML parts, with the wire's CRLF line ends made plain newlines."""
    return plain_body(message), message.get_body(("html",)).get_content().replace("\r\n", "\n")


# ---------------------------------------------------------------- PDFs


def poppler(tool: str, *args: str) -> str:
    """The output of a poppler-utils tool; skips without it, except in CI where it must run."""
    if shutil.which(tool) is None:
        skip_or_fail(f"{tool} (poppler-utils) is not installed: install poppler-utils to read the PDF")
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


def write_pdf(pdf: bytes, tmp_path: Path, name: str = "document.pdf") -> str:
    """The path of `pdf` written as `name` in `tmp_path`, for the poppler tools to read."""
    path = tmp_path / name
    path.write_bytes(pdf)
    return str(path)


def pdf_text(pdf: bytes, tmp_path: Path, *options: str, name: str = "document.pdf") -> str:
    """The PDF's text as pdftotext reads it with `options` (e.g. "-layout")."""
    return poppler("pdftotext", *options, write_pdf(pdf, tmp_path, name), "-")


def one_line(text: str) -> str:
    """Whitespace collapsed, so a name or title wrapped in the PDF reads in one piece."""
    return re.sub(r"\s+", " ", text)


def scan_qr(pdf: bytes, tmp_path: Path) -> list[str]:
    """The QR codes read by zxing-cpp on the page rendered at 150 dpi, as a phone would see it."""
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (a dev dependency) reads the QR code")
    from PIL import Image

    poppler("pdftoppm", "-png", "-r", "150", "-singlefile", write_pdf(pdf, tmp_path), str(tmp_path / "page"))
    with Image.open(tmp_path / "page.png") as image:
        return [barcode.text for barcode in zxingcpp.read_barcodes(image)]
