"""Hypothesis strategies for form bodies: per field a valid value, an edge value, nothing, or several.

A field is known by its WTForms class when the view's form class could be found, else by the
type of its <input> in the page; both give the values a browser could send (select options,
dates, numbers), to which the edge values are added.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from hypothesis import strategies as st

from tests.factories import PASSWORD
from tests.security.html_forms import Field

NEW_PASSWORD = "Viral vectors need patience 2026"
LONG_TEXT = "GenoTher " * 1200  # about 10 kB
EDGES = [
    "",
    "   ",
    "\t\n",
    "0",
    "-1",
    str(2**63),
    str(-(2**63) - 1),
    "1e309",
    "NaN",
    "0.0000001",
    "12,5",
    "2026-02-30",
    "2026-13-01",
    "0001-01-01",
    "9999-12-31",
    "2026-02-28T24:00",
    "25:61",
    "99:99",
    LONG_TEXT,
    "a\x00b",
    "\x00",
    "\u202etxt.exe\u202c",
    "مرحبا بالعالم",
    "שלום עולם",
    "Thérapie génique 🧬",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}}",
    "{% raw %}x{% endraw %}",
    "${7*7}",
    "' OR 1=1--",
    '"; DROP TABLE users;--',
    "=cmd|' /C calc'!A0",
    "../../etc/passwd",
    "//evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "%00",
    "é" * 600,
]
UNICODE = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
TODAY = date.today()
DAYS = st.dates(TODAY - timedelta(days=60), TODAY + timedelta(days=90))
DEADLINES = st.dates(TODAY - timedelta(days=5), TODAY + timedelta(days=14))
HOURS = st.sampled_from(["08:30", "09:00", "12:30", "13:30", "17:00", "23:59", "00:00"])
TEXTS = st.sampled_from(
    ["Genome editing with CRISPR", "phone request", "Lab coat and ID card", "ok", "Contrôle qualité des vecteurs AAV"]
)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


# Edges aimed at one kind of field, drawn as often as the generic ones.
KIND_EDGES = {
    "date": ["0001-01-01", "0001-01-03", "9999-12-31", "1900-02-29", "2026-02-29", "2026-1-1", "31/12/2026"],
    "time": ["24:00", "23:59:60", "-01:00", "9:5", "12:30:00.5", "noon"],
    "datetime": ["0001-01-01T00:00", "9999-12-31T23:59", "2026-03-29T02:30", "2026-10-25T02:30", "2026-02-30T10:00"],
    "number": ["0", "-1", "-0", "2147483648", str(2**63), "1e309", "NaN", "Infinity", "0x10", "1_000", "٣"],
}
KIND_OF_EDGES = {
    "DateField": "date",
    "date": "date",
    "TimeField": "time",
    "time": "time",
    "DateTimeLocalField": "datetime",
    "datetime-local": "datetime",
    "IntegerField": "number",
    "DecimalField": "number",
    "number": "number",
}


def edge_values(kind: str = "") -> st.SearchStrategy[str]:
    """Values no honest browser sends: empty, huge, malformed, hostile, any unicode; and for dates,
    times and numbers, the values at and past their limits."""
    generic = st.one_of(st.sampled_from(EDGES), UNICODE)
    if kind in KIND_OF_EDGES:
        return st.one_of(st.sampled_from(KIND_EDGES[KIND_OF_EDGES[kind]]), generic)
    return generic


def _by_name(name: str, emails: list[str]) -> st.SearchStrategy | None:
    if name in ("email",):
        return st.sampled_from(emails + [e.upper() for e in emails] + ["New.Person@Example.ORG"])
    if name == "current":
        return st.just(PASSWORD)
    if name in ("password", "confirm"):
        return st.just(NEW_PASSWORD)
    if name == "slug":
        return st.from_regex(r"\A[a-z][a-z0-9]{2,12}(-[a-z0-9]{1,8}){0,2}\Z")
    if name == "next":
        return st.sampled_from(["/", "/my/trainings", "https://evil.example/", "//evil.example/x"])
    if name in ("capacity",):
        return st.integers(1, 30).map(str)
    return None


def _by_kind(kind: str, options: list[str]) -> st.SearchStrategy:
    if options:
        return st.sampled_from(options)
    if kind in ("DateField", "date"):
        return DAYS.map(date.isoformat)
    if kind in ("TimeField", "time"):
        return HOURS
    if kind in ("DateTimeLocalField", "datetime-local"):  # deadlines: before the fixture's session, or none
        return st.one_of(st.just(""), st.tuples(DEADLINES, HOURS).map(lambda pair: f"{pair[0].isoformat()}T{pair[1]}"))
    if kind in ("IntegerField", "number"):
        return st.integers(0, 100).map(str)
    if kind == "DecimalField":
        return st.decimals("0.5", "2000", places=1).map(str)
    if kind in ("BooleanField", "checkbox"):
        return st.sampled_from(["y", "on"])
    if kind in ("FileField", "file"):
        return st.sampled_from([PDF, b"not a pdf", b""]).map(lambda data: (io.BytesIO(data), "certificate.pdf"))
    return TEXTS


TEXT_KINDS = ("StringField", "TextAreaField", "EmailField", "text", "textarea", "email", "search")
TEXT_EDGES = ["\x00", LONG_TEXT]
BASELINE = {
    "DateField": (TODAY + timedelta(days=30)).isoformat(),
    "date": (TODAY + timedelta(days=30)).isoformat(),
    "DateTimeLocalField": f"{TODAY + timedelta(days=7)}T09:00",
    "IntegerField": "5",
    "number": "5",
    "DecimalField": "7",
    "BooleanField": "y",
    "checkbox": "y",
}


def baseline_body(fields: list[Field]) -> dict:
    """One plain, valid body: what a careful user would type."""
    body = {}
    for spec in fields:
        if spec.kind in ("TimeField", "time"):
            half = ("13:30", "17:00") if "afternoon" in spec.name else ("09:00", "12:30")
            body[spec.name] = half[1] if spec.name.endswith(("end", "ends")) else half[0]
        elif spec.name in ("email", "current", "password", "confirm", "slug", "next"):
            body[spec.name] = {
                "email": "other.learner@example.org",
                "current": PASSWORD,
                "password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
                "slug": "aav-design-2",
                "next": "/",
            }[spec.name]
        elif spec.kind not in ("FileField", "file"):
            body[spec.name] = spec.options[0] if spec.options else BASELINE.get(spec.kind, "Genome editing")
    return body


def one_field_edges(fields: list[Field]) -> list[dict]:
    """The baseline body with one field at a time set to each edge of its kind (texts: NUL, 10 kB)."""
    baseline, bodies = baseline_body(fields), []
    for spec in fields:
        edges = (
            KIND_EDGES[KIND_OF_EDGES[spec.kind]]
            if spec.kind in KIND_OF_EDGES
            else (TEXT_EDGES if spec.kind in TEXT_KINDS and not spec.options else [])
        )
        bodies += [{**baseline, spec.name: edge} for edge in edges]
    return bodies


def valid_values(spec: Field, emails: list[str]) -> st.SearchStrategy:
    """What a browser filling this field could send."""
    if spec.kind in ("TimeField", "time"):  # a start before its end, mostly
        ends = spec.name.endswith(("end", "ends"))
        return st.sampled_from(["12:30", "17:00", "17:30"] if ends else ["08:30", "09:00", "13:30"])
    named = _by_name(spec.name, emails)
    return named if named is not None else _by_kind(spec.kind, spec.options)


def field_value(spec: Field, emails: list[str]) -> st.SearchStrategy:
    """A valid or an edge value; files stay files (a text in their place is an edge value too)."""
    return st.one_of(valid_values(spec, emails), edge_values(spec.kind))


@st.composite
def form_bodies(draw, fields: list[Field], emails: list[str]) -> dict:
    """A form body: every field valid, all valid but one, or each field at random (absent, edge, repeated)."""
    mode = draw(st.sampled_from(["valid", "one-off", "chaos"]))
    odd = draw(st.sampled_from(fields)).name if fields and mode == "one-off" else None
    body = {}
    for spec in fields:
        if mode == "valid" or (mode == "one-off" and spec.name != odd):
            body[spec.name] = draw(valid_values(spec, emails))
            continue
        shape = draw(st.sampled_from(["absent", "one", "repeated"]))
        if shape == "one":
            body[spec.name] = draw(field_value(spec, emails))
        elif shape == "repeated":
            body[spec.name] = draw(st.lists(field_value(spec, emails), min_size=2, max_size=3))
    return body
