"""The certificate of completion as PDF/A-3b: its data, its text, its QR code, and the bulk path's split."""

from __future__ import annotations

import base64
import io
import re
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from werkzeug.routing import BuildError

import training.pdf
from tests.helpers import is_plain, one_line, pdf_text, poppler, scan_qr, write_pdf
from training.certificates import pdf as certificate_pdf
from training.certificates.pdf import certificate_data, render_certificate, render_certificates
from training.pdf import split_pdf

ROOT = Path(__file__).resolve().parents[2]
EVIL_NAME = '<img src="file:///etc/passwd">'
CODES = {"lea": "Lc9dQw3xT0pZ_rA7mV2kYg", "omar": "Om4-Jq8sN1bX6uWc0eHt5A", "evil": "Ev1lEv1lEv1lEv1lEv1l0A"}


def make_data(name: str = "Léa Martin", code: str = CODES["lea"], locale: str = "en", **overrides) -> dict:
    values = dict(
        learner_name=name,
        course_title="AAV vector design and production",
        course_track="research",
        course_objectives=["Choose an AAV serotype for a target tissue", "  ", "Design an expression cassette"],
        course_version=3,
        session_start=datetime(2026, 3, 12, 8, 0, tzinfo=UTC),
        session_end=datetime(2026, 3, 13, 15, 30, tzinfo=UTC),
        place="Genopole Campus 1, salle 204, Evry",
        trainers=["Thomas Petit", "Claire Dubois"],
        hours_attended=Decimal("10.50"),
        hours_scheduled=Decimal("14.00"),
        issued_at=datetime(2026, 3, 16, 23, 30, tzinfo=UTC),
        serial="GT-2026-000042-1",
        code=code,
        locale=locale,
    )
    return certificate_data(**{**values, **overrides})


@pytest.fixture
def app_ctx(app):
    """An application context; certificates need no database."""
    with app.app_context():
        yield app


@pytest.fixture
def fetched(monkeypatch) -> list[str]:
    """Every URL WeasyPrint asks the app's fetcher for."""
    urls: list[str] = []
    real = training.pdf.safe_url_fetcher

    def spy(url, *args, **kwargs):
        urls.append(url)
        return real(url, *args, **kwargs)

    monkeypatch.setattr(training.pdf, "safe_url_fetcher", spy)
    return urls


# ---------------------------------------------------------------- the data


def test_certificate_data_is_a_plain_dict_in_the_learners_language(app_ctx):
    english, french = make_data(), make_data(locale="fr")

    assert is_plain(english) and is_plain(french), "the template gets plain values only"
    assert (english["title"], english["other_title"]) == ("Certificate of completion", "Certificat de réalisation")
    assert (french["title"], french["other_title"]) == ("Certificat de réalisation", "Certificate of completion")
    assert english["session"]["dates"] == "12–13 March 2026"
    assert french["session"]["dates"] == "12–13 mars 2026"
    # Issued at 23:30 UTC on the 16th: already the 17th in Paris.
    assert (english["issued"], french["issued"]) == ("17 March 2026", "17 mars 2026")
    assert english["labels"]["hours"] == "10.5 h attended out of 14 h scheduled"
    assert french["hours"] == {"attended": "10,5", "scheduled": "14"}
    assert english["course"]["track"] == "Research"
    assert english["course"]["objectives"] == [
        "Choose an AAV serotype for a target tissue",
        "Design an expression cassette",
    ]


def test_verify_url_comes_from_base_url_with_a_fallback_without_the_endpoint(app_ctx, monkeypatch):
    assert make_data()["verify_url"] == f"http://training.test/verify/{CODES['lea']}"

    def missing(endpoint, **values):
        raise BuildError(endpoint, values, "GET")

    monkeypatch.setattr(certificate_pdf, "external_url", missing)
    assert make_data()["verify_url"] == f"http://training.test/verify/{CODES['lea']}"


def test_qr_code_is_an_svg_of_vector_paths(app_ctx):
    svg = make_data()["qr_svg"]

    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<path" in svg and "<image" not in svg and "href" not in svg


def test_an_unknown_locale_is_refused(app_ctx):
    with pytest.raises(ValueError, match="locale"):
        make_data(locale="de")


# ---------------------------------------------------------------- one certificate


def test_certificate_pdf_shows_learner_course_hours_and_how_to_verify(app_ctx, tmp_path):
    data = make_data()
    pdf = render_certificate(data)

    assert pdf.startswith(b"%PDF-1.7")
    text = one_line(pdf_text(pdf, tmp_path))
    # The other language's title is set in capitals.
    for expected in (
        "Certificate of completion",
        "CERTIFICAT DE RÉALISATION",
        "Léa Martin",
        "AAV vector design and production",
        "Research track",
        "version 3",
        "12–13 March 2026",
        "Genopole Campus 1, salle 204, Evry",
        "10.5 h attended out of 14 h scheduled",
        "Thomas Petit, Claire Dubois",
        "Choose an AAV serotype for a target tissue",
        "17 March 2026",
        "by the training office of GenoTher Training",
        "GT-2026-000042-1",
        CODES["lea"],
        "an altered document does not verify",
    ):
        assert expected in text, f"{expected!r} is not on the certificate"
    assert data["verify_url"] in text.replace(" ", "")
    info = poppler("pdfinfo", write_pdf(pdf, tmp_path))
    assert re.search(r"^Pages:\s+1$", info, re.M)
    assert re.search(r"^Page size:\s+841.89 x 595.276 pts \(A4\)", info, re.M), "A4 landscape"
    assert re.search(r"^Title:\s+Certificate of completion — Léa Martin — AAV", info, re.M)


def test_french_certificate_has_french_title_and_dates(app_ctx, tmp_path):
    text = one_line(pdf_text(render_certificate(make_data(locale="fr")), tmp_path))

    assert "Certificat de réalisation" in text
    assert "12–13 mars 2026" in text and "17 mars 2026" in text


def test_qr_code_is_drawn_as_vector_paths_and_scans_to_the_verify_url(app_ctx, tmp_path, fetched):
    from pypdf import PdfReader

    data = make_data()
    pdf = render_certificate(data)

    assert fetched == [(ROOT / "static" / "pdf" / "certificate.css").as_uri()], "only the stylesheet is fetched"
    assert poppler("pdfimages", "-list", write_pdf(pdf, tmp_path)).count("\n") == 2, "no raster image"
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()
    assert len(re.findall(rb" l\n", content)) > 200, "the QR code's modules are line segments"
    assert scan_qr(pdf, tmp_path) == [data["verify_url"]]


def test_markup_in_a_name_prints_as_text_and_fetches_nothing(app_ctx, tmp_path, fetched):
    pdf = render_certificate(make_data(name=EVIL_NAME, code=CODES["evil"]))

    text = one_line(pdf_text(pdf, tmp_path))
    assert EVIL_NAME in text
    assert "root:x:0:0" not in text
    assert not any("passwd" in url for url in fetched)
    assert poppler("pdfimages", "-list", write_pdf(pdf, tmp_path)).count("\n") == 2, "no image in the certificate"


def test_fonts_are_embedded(app_ctx, tmp_path):
    assert_fonts_embedded(render_certificate(make_data()), tmp_path)


def assert_fonts_embedded(pdf: bytes, tmp_path: Path, name: str = "certificate.pdf") -> None:
    lines = poppler("pdffonts", write_pdf(pdf, tmp_path, name)).splitlines()[2:]
    assert lines, "the certificate uses fonts"
    # name, type (one or two words), encoding, emb, sub, uni, object number, generation
    assert all(line.split()[-5] == "yes" for line in lines), "\n".join(lines)


def test_long_name_and_long_title_stay_on_one_page(app_ctx, tmp_path):
    name = "Marie-Geneviève Alexandra de La Rochefoucauld-Montmorency-Laval d'Harcourt-Beauvilliers"
    title = (
        "Good Manufacturing Practice for the production of lentiviral and AAV vectors: upstream processing, "
        "downstream purification, fill and finish, release testing and regulatory documentation"
    )
    objectives = [f"Objective {n}: a rather long learning outcome about viral vector manufacturing" for n in range(12)]
    pdf = render_certificate(make_data(name=name, course_title=title, course_objectives=objectives))

    assert re.search(r"^Pages:\s+1$", poppler("pdfinfo", write_pdf(pdf, tmp_path)), re.M)
    text = one_line(pdf_text(pdf, tmp_path, "-raw"))  # -raw: keep the hyphen the name wraps at
    assert "10.5 h attended out of 14 h scheduled" in text
    squeezed = text.replace(" ", "")
    assert name.replace(" ", "") in squeezed and title.replace(" ", "") in squeezed


# ---------------------------------------------------------------- the bulk path


@pytest.fixture
def three(app_ctx) -> list[dict]:
    return [
        make_data(name="Léa Martin", code=CODES["lea"], locale="fr"),
        make_data(name="Omar Benali", code=CODES["omar"]),
        make_data(name=EVIL_NAME, code=CODES["evil"]),
    ]


def test_bulk_path_gives_one_pdfa_per_certificate_holding_only_its_learner(three, tmp_path, monkeypatch):
    monkeypatch.setattr(certificate_pdf, "CHUNK", 2)  # two documents split: the chunks' seam is covered
    pdfs = render_certificates(three)

    assert len(pdfs) == 3
    names = [data["learner"] for data in three]
    for index, (pdf, data) in enumerate(zip(pdfs, three, strict=True)):
        file = f"split{index}.pdf"
        assert re.search(r"^Pages:\s+1$", poppler("pdfinfo", write_pdf(pdf, tmp_path, file)), re.M)
        text = one_line(pdf_text(pdf, tmp_path, name=file))
        assert data["learner"] in text and data["code"] in text
        others = [other for other in three if other is not data]
        for other in others:
            assert other["learner"] not in text, f"{other['learner']!r} is in {data['learner']!r}'s certificate"
            assert other["code"].encode() not in pdf, "another learner's code travels in the file"
        assert sum(name in text for name in names) == 1
        assert_pdfa3b(pdf, data)
        assert_fonts_embedded(pdf, tmp_path, file)
    assert "Certificat de réalisation" in one_line(pdf_text(pdfs[0], tmp_path))
    assert "12–13 mars 2026" in one_line(pdf_text(pdfs[0], tmp_path))


def assert_pdfa3b(pdf: bytes, data: dict) -> None:
    """PDF/A-3B identification in typed XMP metadata, an sRGB output intent, an /ID, metadata of its own."""
    from pypdf import PdfReader

    assert pdf.startswith(b"%PDF-1.7\n%")
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    metadata = root["/Metadata"].get_object()
    assert (metadata["/Type"], metadata["/Subtype"]) == ("/Metadata", "/XML")
    xmp = metadata.get_data()
    assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="B"' in xmp
    assert reader.xmp_metadata.dc_title == {"x-default": data["document"]["title"]}
    (intent,) = root["/OutputIntents"]
    intent = intent.get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3 and profile.get_data()[36:40] == b"acsp", "an RGB ICC profile"
    assert len(reader.trailer["/ID"]) == 2
    assert reader.metadata.title == data["document"]["title"]
    assert reader.metadata.producer.startswith("WeasyPrint")
    assert root["/Lang"] == data["locale"]


def test_split_file_has_the_metadata_of_the_certificate_rendered_alone(three):
    from pypdf import PdfReader

    alone = PdfReader(io.BytesIO(render_certificate(three[1])))
    split = PdfReader(io.BytesIO(render_certificates(three)[1]))

    assert dict(split.metadata) == dict(alone.metadata)
    xmp = [reader.trailer["/Root"]["/Metadata"].get_object().get_data() for reader in (alone, split)]
    assert xmp[0] == xmp[1]


def test_split_pages_keep_only_the_resources_they_draw(three):
    from pypdf import PdfReader

    for pdf in render_certificates(three):
        page = PdfReader(io.BytesIO(pdf)).pages[0]
        content = page.get_contents().get_data().decode("latin-1")
        for category in ("/Font", "/ExtGState", "/XObject", "/Pattern"):
            for name in page["/Resources"].get(category, {}):
                assert re.search(re.escape(name) + r"(?![^\s/\[\]<>(){}%])", content), f"{name} unused"


def png_url(color: str) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (3, 3), color).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_split_leaves_other_pages_images_behind(app_ctx):
    """WeasyPrint shares one resource dictionary between pages: a split file keeps only its page's."""
    import weasyprint
    from pypdf import PdfReader

    colors = ("red", "blue", "green")
    html = "".join(f'<p style="break-before: page">{color} <img src="{png_url(color)}"></p>' for color in colors)
    document = weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/a-3b")
    assert len(PdfReader(io.BytesIO(document)).pages[0]["/Resources"]["/XObject"]) == 3

    for pdf in split_pdf(document, [{"title": color} for color in colors], pdf_variant="pdf/a-3b"):
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages[0]["/Resources"]["/XObject"]) == 1
        assert pdf.count(b"/Subtype /Image") == 1, "one image in the file: its own"


def test_bulk_path_of_nothing_is_nothing(app_ctx):
    assert render_certificates([]) == []


def test_split_refuses_a_page_count_that_does_not_match(three):
    document = training.pdf.render_pdf(certificate_pdf.TEMPLATE, {"certificates": three}, pdf_variant="pdf/a-3b")

    with pytest.raises(ValueError, match="3 pages for 2 documents"):
        split_pdf(document, [data["document"] for data in three[:2]], pdf_variant="pdf/a-3b")


def test_weasyprint_and_pypdf_stay_out_of_the_app_import_path():
    code = (
        "import sys; from training import create_app; create_app('test'); "
        "import training.certificates.pdf; print('weasyprint' in sys.modules, 'pypdf' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "False False"
