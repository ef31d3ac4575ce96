"""The certificate of completion ("certificat de réalisation"), as PDF/A-3b documents.

`certificate_data` turns the facts of one certificate into the plain dict the template reads:
texts in the learner's language, dates in Paris time, the verification URL and its QR code.
`render_certificate` makes one PDF (the naive path). `render_certificates` renders many as one
multi-page document and splits it into one PDF per certificate (the bulk path): the work done
once per document (stylesheets, font configuration, font subsetting and embedding) is done once
per batch. `python -m bench.certificates` measures both paths (docs/performance.md).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal

import segno
from flask import current_app
from flask_babel import force_locale, format_date, gettext, ngettext
from werkzeug.routing import BuildError

from training.catalogue.models import Track
from training.pdf import render_pdf, split_pdf
from training.site.filters import date_range, hours
from training.timezones import PARIS
from training.urls import external_url

PROVIDER = "GenoTher Training"
TEMPLATE = "certificates/certificate.html"
PDF_VARIANT = "pdf/a-3b"
# The document's title in each language: the learner's first, the other under it.
TITLES = {"fr": "Certificat de réalisation", "en": "Certificate of completion"}
# Certificates rendered per WeasyPrint document on the bulk path. Fonts are subset once per
# chunk; a larger chunk saves little more and makes every split file carry a larger subset.
CHUNK = 50


# The longest name and title the forms and PostgreSQL accept; a longer one (SQLite stores
# anything) would push the hours and the verification code off the page.
NAME_MAX, TITLE_MAX = 200, 200


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def certificate_data(
    *,
    learner_name: str,
    course_title: str,
    course_track: str,
    course_objectives: list[str],
    course_version: int,
    session_start: datetime,
    session_end: datetime,
    place: str,
    trainers: list[str],
    hours_attended: Decimal,
    hours_scheduled: Decimal,
    issued_at: datetime,
    serial: str,
    code: str,
    locale: str,
) -> dict:
    """The plain dict the certificate template is fed: texts in `locale`, dates in Paris time.

    `course_track` is the track's label in `locale` or its value ("research"), which is then
    labelled here. Holds `verify_url` and `qr_svg`, the QR code of that URL as an SVG string.
    """
    if locale not in TITLES:
        raise ValueError(f"certificate locale must be one of {', '.join(TITLES)}, not {locale!r}")
    verify_url = _verify_url(code)
    with force_locale(locale):
        attended, scheduled = hours(hours_attended), hours(hours_scheduled)
        start, end = session_start.astimezone(PARIS).date(), session_end.astimezone(PARIS).date()
        title = TITLES[locale]
        track = _track_label(course_track)
        return {
            "locale": locale,
            "provider": PROVIDER,
            "title": title,
            "other_title": next(other for lang, other in TITLES.items() if lang != locale),
            "learner": _fit(learner_name, NAME_MAX),
            "course": {
                "title": _fit(course_title, TITLE_MAX),
                "track": track,
                "version": course_version,
                "objectives": [line.strip() for line in course_objectives if line.strip()],
            },
            "session": {"dates": date_range(start, end), "place": place},
            "trainers": list(trainers),
            "hours": {"attended": attended, "scheduled": scheduled},
            "issued": format_date(issued_at.astimezone(PARIS).date(), "d MMMM y"),
            "serial": serial,
            "code": code,
            "verify_url": verify_url,
            "qr_svg": _qr_svg(verify_url),
            "labels": _labels(attended, scheduled, len(trainers), verify_url, track, course_version),
            # What the PDF's document information and XMP metadata say (the bulk path's
            # split writes them per certificate, so they must come from the data too).
            "document": {
                "title": f"{title} — {learner_name} — {course_title}",
                "author": PROVIDER,
                "subject": gettext("Serial no. %(serial)s · verify at %(url)s", serial=serial, url=verify_url),
                "lang": locale,
            },
        }


def render_certificate(data: dict) -> bytes:
    """One certificate as a PDF/A-3b document (the naive path: fonts subset for this page alone)."""
    return render_pdf(TEMPLATE, {"certificates": [data]}, pdf_variant=PDF_VARIANT)


def render_certificates(datas: list[dict]) -> list[bytes]:
    """Many certificates, one PDF/A-3b each, in the order of `datas` (the bulk path).

    Each chunk of certificates is rendered as one multi-page document, then split into
    one-page documents that keep its PDF/A identification and output intent, each with its
    own metadata and only the resources its page draws (training.pdf.split_pdf).
    """
    pdfs: list[bytes] = []
    for first in range(0, len(datas), CHUNK):
        chunk = datas[first : first + CHUNK]
        with _cyclic_gc_paused():
            document = render_pdf(TEMPLATE, {"certificates": chunk}, pdf_variant=PDF_VARIANT)
            pdfs.extend(split_pdf(document, [data["document"] for data in chunk], pdf_variant=PDF_VARIANT))
    return pdfs


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block, as it was after.

    WeasyPrint keeps every page's boxes alive until the whole document is written, and each
    collection walks that growing heap again: a quarter of the time of a 50-page document
    (measured with bench/certificates.py). Reference counting still frees what it can; the
    cycles left are collected once the collector is back on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# ---------------------------------------------------------------- helpers


def _verify_url(code: str) -> str:
    """The public verification page of `code`, from BASE_URL (never from a request's Host header)."""
    try:
        return external_url("certificates.verify", code=code)
    except BuildError:  # the verification page's blueprint is not registered (yet)
        return f"{current_app.config['BASE_URL'].rstrip('/')}/verify/{code}"


def _qr_svg(url: str) -> str:
    """The QR code of `url` as an inline SVG element: vector paths, sized by the stylesheet."""
    qr = segno.make(url, error="m", micro=False)
    return qr.svg_inline(border=0, omitsize=True, dark="#111111", svgclass=None, lineclass=None)


def _track_label(track: str) -> str:
    """The track's label in the current locale when `track` is a Track value, else `track` as given."""
    try:
        return str(Track(track).label)
    except ValueError:
        return track


def _labels(attended: str, scheduled: str, trainer_count: int, verify_url: str, track: str, version: int) -> dict:
    """Every fixed text of the certificate, in the current locale (one batch may mix languages)."""
    provider = PROVIDER.replace(" ", "\u00a0")  # the name never breaks across lines
    return {
        "provider_line": gettext("Training provider of the GenoTher biocluster · Genopole, Evry"),
        "serial": gettext("Serial no."),
        "certifies": gettext("%(provider)s certifies that", provider=provider),
        "attended_course": gettext("attended the training course"),
        "track": gettext("%(track)s track", track=track),
        "version": gettext("version %(version)s", version=version),
        "action": gettext("Training course (Code du travail, art. L6313-1)"),
        "hours": gettext(
            "%(attended)s h attended out of %(scheduled)s h scheduled", attended=attended, scheduled=scheduled
        ),
        "objectives": gettext("Course objectives"),
        "trainers": ngettext("Trainer", "Trainers", trainer_count),
        "issued": gettext("Issued on"),
        "issued_by": gettext("by the training office of %(provider)s", provider=provider),
        "code": gettext("Code"),
        "small_print": gettext("Verify at %(url)s: an altered document does not verify.", url=verify_url),
    }
