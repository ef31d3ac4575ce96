"""Certificates per second: the bulk path (one multi-page document split per learner) against
the naive one (one document per certificate), measured in the same run.

    .venv/bin/python -m bench.certificates [--count 200] [--processes 2] [--naive-count 40] [--repeats 3]

Builds COUNT certificate data dicts (no database: the dicts are what the issuing service
builds), then times, interleaved and REPEATS times: the naive path (render_certificate for each
of NAIVE-COUNT dicts: about 75 ms a certificate, so a sample is enough for a median), the bulk
path in this process, and the bulk path over PROCESSES warm worker processes (the list sent in
chunks of 50, order kept). Prints the median milliseconds per certificate of each, the
ratios to the naive path, the time 1,000 certificates would take on the bulk path, and whether
every split PDF of the last run is one page with its PDF/A-3 identification and output intent.
The goal (docs/performance.md): bulk over two processes at least 3.5 times faster than
naive, and 1,000 certificates in under 30 seconds on two cores.
"""

from __future__ import annotations

import argparse
import io
import math
import multiprocessing
import os
import secrets
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from training import create_app

BASE_URL = "https://training.genother.example"
FIRST_NAMES = ["Léa", "Omar", "Chloé", "Jean-Baptiste", "Inès", "Thomas", "Aïcha", "Mathieu", "Zoé", "Nguyễn"]
LAST_NAMES = ["Martin", "Benali", "Dumas", "Lefèvre-Moreau", "Petit", "Van der Berg", "Rousseau", "Ødegaard"]
OBJECTIVES = [
    "Choose an AAV serotype and promoter for a target tissue",
    "Design an expression cassette within the packaging limit",
    "Plan a triple-transfection production run and its in-process controls",
    "Read a certificate of analysis and decide on batch release",
]

_worker_app = None


def make_datas(count: int) -> list[dict]:
    """`count` certificate dicts of one session, French and English learners alternating."""
    from training.certificates.pdf import certificate_data

    start = datetime(2026, 3, 12, 8, 0, tzinfo=UTC)
    return [
        certificate_data(
            learner_name=f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[n % len(LAST_NAMES)]} {n}",
            course_title="AAV vector design and production for gene therapy",
            course_track="research",
            course_objectives=OBJECTIVES,
            course_version=3,
            session_start=start,
            session_end=start + timedelta(days=1, hours=8, minutes=30),
            place="Genopole Campus 1, salle 204, Evry",
            trainers=["Thomas Petit", "Claire Dubois"],
            hours_attended=Decimal("10.5") + n % 4,
            hours_scheduled=Decimal("14"),
            issued_at=start + timedelta(days=4),
            serial=f"GT-2026-{n:06d}-1",
            code=secrets.token_urlsafe(16),
            locale="fr" if n % 2 else "en",
        )
        for n in range(count)
    ]


def _start_worker() -> None:
    """A worker's own app context, kept for its life, and WeasyPrint warmed up (0.7 s import)."""
    global _worker_app
    from training.certificates.pdf import render_certificate

    _worker_app = create_app("test", {"BASE_URL": BASE_URL})
    _worker_app.app_context().push()
    render_certificate(make_datas(1)[0])


def _render_chunk(datas: list[dict]) -> list[bytes]:
    from training.certificates.pdf import render_certificates

    return render_certificates(datas)


def bulk_over(pool: ProcessPoolExecutor, datas: list[dict], processes: int) -> list[bytes]:
    """render_certificates over the pool's processes, order kept.

    The list goes out in pieces of the bulk path's own chunk size (one WeasyPrint document each),
    at least one per process: a worker slowed down by another program takes fewer of them.
    """
    from training.certificates.pdf import CHUNK

    size = min(CHUNK, math.ceil(len(datas) / processes))
    chunks = [datas[first : first + size] for first in range(0, len(datas), size)]
    return [pdf for pdfs in pool.map(_render_chunk, chunks) for pdf in pdfs]


def timed(function, *args) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def is_pdfa3_page(pdf: bytes) -> bool:
    """One page, XMP metadata saying PDF/A-3B, and an output intent with its ICC profile."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data() if "/Metadata" in root else b""
    intents = root.get("/OutputIntents") or []
    return (
        len(reader.pages) == 1
        and b'pdfaid:part="3"' in xmp
        and b'pdfaid:conformance="B"' in xmp
        and any("/DestOutputProfile" in intent.get_object() for intent in intents)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="certificates per bulk run")
    parser.add_argument("--processes", type=int, default=2, help="worker processes of the bulk path")
    parser.add_argument("--naive-count", type=int, default=40, help="certificates per naive run")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from training.certificates.pdf import render_certificate, render_certificates

    app = create_app("test", {"BASE_URL": BASE_URL})
    # Spawned, not forked: each worker starts clean and builds its own app, as a Celery worker would.
    context = multiprocessing.get_context("spawn")
    with app.app_context(), ProcessPoolExecutor(args.processes, context, _start_worker) as pool:
        datas = make_datas(args.count)
        naive_datas = datas[: args.naive_count]
        render_certificate(datas[0])  # warm up this process too
        list(pool.map(time.sleep, [1] * args.processes))  # every worker up and warm before timing
        naive, bulk, parallel = [], [], []
        # Another program using the cores skews the comparison: say how busy the machine was.
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        for repeat in range(args.repeats):
            seconds, _ = timed(lambda: [render_certificate(data) for data in naive_datas])
            naive.append(seconds / len(naive_datas))
            seconds, _ = timed(render_certificates, datas)
            bulk.append(seconds / len(datas))
            seconds, pdfs = timed(bulk_over, pool, datas, args.processes)
            parallel.append(seconds / len(datas))
            print(
                f"run {repeat + 1}: naive {1000 * naive[-1]:.1f}, bulk {1000 * bulk[-1]:.1f}, "
                f"bulk over {args.processes} processes {1000 * parallel[-1]:.1f} ms/certificate"
            )

    naive_ms, bulk_ms, parallel_ms = (1000 * statistics.median(times) for times in (naive, bulk, parallel))
    valid = sum(is_pdfa3_page(pdf) for pdf in pdfs)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"\n{args.count} certificates, {args.repeats} interleaved runs, medians:")
    print(f"  naive, one document per certificate:       {naive_ms:6.1f} ms/certificate")
    print(f"  bulk, one document split, 1 process:       {bulk_ms:6.1f} ms/certificate ({naive_ms / bulk_ms:.2f}x)")
    print(
        f"  bulk over {args.processes} processes (the project's path): {parallel_ms:6.1f} ms/certificate "
        f"({naive_ms / parallel_ms:.2f}x faster than naive; goal 3.5x)"
    )
    print(f"  1,000 certificates on the bulk path: {parallel_ms:.1f} s (goal: under 30 s)")
    print(f"  split PDFs with one page, PDF/A-3B metadata and output intent: {valid}/{len(pdfs)}")


if __name__ == "__main__":
    main()
