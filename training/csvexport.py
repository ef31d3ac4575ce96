"""CSV downloads that a spreadsheet opens safely, streamed as the rows arrive.

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as
a formula by Excel or LibreOffice (CSV injection, OWASP); such text gets a leading `'`.
Numbers are written as numbers, so a negative amount stays a number. The file is RFC 4180
(comma, CRLF) in UTF-8 with a byte-order mark, so Excel reads accents correctly.

A download is never built whole in memory: rows are formatted one by one and sent in chunks of
about 64 KiB, so ten years of attendance marks take the memory of one chunk. The first row is
read before the answer starts, so a query that fails gives an ordinary error page; a failure
after that is logged and breaks the connection (the chunked answer never gets its final empty
chunk), so the browser reports a failed download rather than a complete-looking half file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import chain

import sqlalchemy as sa
from flask import Response, current_app, stream_with_context

from training.extensions import db

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
CHUNK_CHARS = 64 * 1024  # one socket write per chunk instead of one per row
BATCH_ROWS = 1000


def streamed(query: sa.Select, batch: int = BATCH_ROWS) -> Iterator[sa.Row]:
    """The rows of `query`, fetched `batch` at a time (a server-side cursor on PostgreSQL).

    The query runs on a connection of its own, held until the last row: the request's session
    commits after the view returns (its server-side session row), and a commit would close a
    cursor opened in its transaction while the download is still reading it.
    """
    with db.engine.connect() as connection:
        yield from connection.execution_options(yield_per=batch).execute(query)


def safe_cell(value) -> str | int | float | Decimal:
    """The value as a spreadsheet should receive it: numbers as is, text defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _safe_row(row: Sequence) -> list:
    return [safe_cell(cell) for cell in row]


def _take(buffer: io.StringIO) -> str:
    """What the buffer holds, leaving it empty."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The CSV document for `header` and `rows` (BOM first), every cell passed through `safe_cell`.

    The BOM, header and first row come as the first chunk, so the download starts as soon as
    the database gives its first row; later rows come in chunks of about `CHUNK_CHARS`.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(_safe_row(header))
    rows = iter(rows)
    first = next(rows, None)
    if first is not None:
        writer.writerow(_safe_row(first))
    yield _take(buffer)
    for row in rows:
        writer.writerow(_safe_row(row))
        if buffer.tell() >= CHUNK_CHARS:
            yield _take(buffer)
    if buffer.tell():
        yield _take(buffer)


def _logged(chunks: Iterator[str], filename: str) -> Iterator[str]:
    """`chunks`, logging a failure before letting it break the download."""
    sent = 0
    try:
        for chunk in chunks:
            yield chunk
            sent += len(chunk)
    except Exception:
        current_app.logger.exception(
            "CSV download %s failed after %d characters; the client sees it cut", filename, sent
        )
        raise


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    """A streamed download of the CSV document named `filename`.

    The first chunk is computed here, in the view: the query runs and its first row is read
    before any byte is sent, so a failing query still answers 500 with the error page.
    """
    chunks = csv_chunks(header, rows)
    first = next(chunks)
    return Response(
        stream_with_context(_logged(chain([first], chunks), filename)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
