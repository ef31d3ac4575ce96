"""PDF documents: the project's one WeasyPrint entry point (attendance sheets, certificates).

Documents are Jinja templates fed plain dicts, rendered with a URL fetcher that serves only
the app's own `static/` files: a name or a note holding `<img src="file:///etc/passwd">`
prints as text (autoescape), and a template that does link elsewhere gets nothing.
WeasyPrint is imported on first use: importing it takes about 0.7 s.
"""

from __future__ import annotations

import functools
import io
import mimetypes
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import DataHandler, Request, url2pathname

from flask import current_app, render_template


def _static_root() -> Path:
    """The app's static folder, symlinks resolved."""
    if current_app.static_folder is None:
        raise RuntimeError("PDF documents need the app's static folder")
    return Path(current_app.static_folder).resolve()


def _static_path(url: str) -> Path:
    """The file under static/ that `url` names; ValueError for any other URL."""
    parts = urlsplit(url)
    if parts.scheme.lower() == "file" and parts.netloc in ("", "localhost"):
        path = url2pathname(parts.path)
    elif not parts.scheme and not parts.netloc and parts.path.startswith("/"):
        path = unquote(parts.path)
    else:
        raise ValueError(f"refused URL (only the app's static files are served): {url[:200]}")
    root = _static_root()
    candidate = Path(path).resolve()
    prefix = (current_app.static_url_path or "").rstrip("/") + "/"
    if not candidate.is_relative_to(root) and path.startswith(prefix):
        # "/static/css/app.css" as url_for("static", ...) writes it, joined to the file:// base URL.
        candidate = (root / path[len(prefix) :]).resolve()
    # resolve() has followed symlinks and "..": a link out of static/ lands outside the root.
    if not candidate.is_relative_to(root) or not candidate.is_file():
        raise ValueError(f"refused URL (not a file under static/): {url[:200]}")
    return candidate


def safe_url_fetcher(url: str, timeout: float = 10, ssl_context=None):
    """Fetch `url` for WeasyPrint if it is a `data:` URL or a file under static/; else ValueError.

    Returns a `weasyprint.urls.URLFetcherResponse`, as WeasyPrint 70 expects. `timeout` and
    `ssl_context` mirror the signature of WeasyPrint's fetchers; nothing here uses the network.
    """
    from weasyprint.urls import URLFetcherResponse

    if urlsplit(url).scheme.lower() == "data":
        with DataHandler().data_open(Request(url)) as response:
            return URLFetcherResponse(url, response.read(), {"Content-Type": response.headers["Content-Type"]})
    path = _static_path(url)
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})


@functools.cache
def _fetcher_class() -> type:
    """A `URLFetcher` subclass calling `safe_url_fetcher`, built on first use (lazy import).

    WeasyPrint 70 takes an instance of `weasyprint.urls.URLFetcher`, no longer a plain
    function: its `fetch()` reads the instance's `_fail_on_errors` when a fetch fails.
    """
    from weasyprint.urls import URLFetcher

    class SafeURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            return safe_url_fetcher(url)

    return SafeURLFetcher


def render_pdf(template: str, data: dict, *, stylesheets: Sequence[str] = (), pdf_variant: str | None = None) -> bytes:
    """Render `template` fed the plain dict `data` (its keys become template variables) to PDF bytes.

    Relative links in the template, and the `stylesheets` paths, are relative to the static
    folder (`<link rel="stylesheet" href="pdf/sheet.css">`). Needs an app context.
    """
    import weasyprint  # about 0.7 s: kept out of the web app's import path

    html = render_template(template, **data)
    base_url = _static_root().as_uri() + "/"
    fetcher = _fetcher_class()()
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    extra = [weasyprint.CSS(url=urljoin(base_url, path), url_fetcher=fetcher) for path in stylesheets]
    return document.write_pdf(stylesheets=extra, pdf_variant=pdf_variant)


# ---------------------------------------------------------------- splitting a batch into documents

# A PDF name token in a content stream ("/f-0-0" in "/f-0-0 12 Tf", "/x3" in "/x3 Do").
_NAME = re.compile(rb"/([^\s/\[\]<>(){}%]+)")
_PDFA_VARIANT = re.compile(r"pdf/a-([1-4])([abu])")
# Resource categories whose entries belong to one page or another; the rest (/ColorSpace,
# /ProcSet) is the same for every page of a WeasyPrint document.
_PER_PAGE_RESOURCES = ("/Font", "/XObject", "/Pattern", "/Shading", "/ExtGState")


def split_pdf(pdf: bytes, documents: list[dict], *, pdf_variant: str | None = None) -> list[bytes]:
    """Split a WeasyPrint PDF into one-page PDFs, page i becoming the document `documents[i]` describes.

    `documents[i]` gives the "title", "author", "subject" and "lang" of its page's file: each file
    gets its own document information and, for a PDF/A `pdf_variant` ("pdf/a-3b"), its own XMP
    metadata with the PDF/A identification, as WeasyPrint writes them for a one-page document,
    and the original's output intent. WeasyPrint shares one resource dictionary between all
    pages: each file keeps only the fonts, images and patterns that its own page draws, so no
    other page's content (another learner's QR code) travels with it. Fonts stay subset for
    the whole batch.
    """
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    if len(reader.pages) != len(documents):
        raise ValueError(f"{len(reader.pages)} pages for {len(documents)} documents: one page each expected")
    producer = reader.metadata.producer if reader.metadata else None
    output_intents = reader.root_object.get("/OutputIntents")
    return [
        _one_page_pdf(page, info, producer, output_intents, pdf_variant)
        for page, info in zip(reader.pages, documents, strict=True)
    ]


def _one_page_pdf(page, info: dict, producer: str | None, output_intents, pdf_variant: str | None) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, create_string_object

    writer = PdfWriter()
    _keep_own_resources(page)
    writer.add_page(page)
    root = writer.root_object
    if info.get("lang"):
        root[NameObject("/Lang")] = create_string_object(info["lang"])
    if output_intents is not None:
        root[NameObject("/OutputIntents")] = output_intents.clone(writer)
    # The Info dictionary must agree with the XMP metadata in a PDF/A file: same producer.
    entries = {
        "/Producer": producer,
        "/Title": info.get("title"),
        "/Author": info.get("author"),
        "/Subject": info.get("subject"),
    }
    writer.metadata = {key: value for key, value in entries.items() if value}
    if pdf_variant:
        _set_xmp_metadata(writer, info, pdf_variant)
    writer.generate_file_identifiers()  # PDF/A wants the trailer's /ID; pypdf writes none by itself
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _keep_own_resources(page) -> None:
    """Give `page` a resource dictionary of its own, holding only what its content stream names."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    contents = page["/Contents"].get_object()
    streams = contents if isinstance(contents, ArrayObject) else [contents]
    data = b"\n".join(stream.get_object().get_data() for stream in streams)
    used = {"/" + name.decode("latin-1") for name in _NAME.findall(data)}
    shared = page["/Resources"].get_object()
    own = DictionaryObject()
    for category, entries in shared.items():
        if category in _PER_PAGE_RESOURCES:
            entries = DictionaryObject({key: value for key, value in entries.get_object().items() if key in used})
        own[NameObject(category)] = entries
    page[NameObject("/Resources")] = own


def _set_xmp_metadata(writer, info: dict, pdf_variant: str) -> None:
    """The XMP metadata WeasyPrint writes for a PDF/A document described by `info`."""
    from pypdf.generic import NameObject
    from weasyprint.pdf.metadata import DocumentMetadata

    match = _PDFA_VARIANT.fullmatch(pdf_variant.lower())
    if match is None:
        raise ValueError(f"only PDF/A variants can be split, not {pdf_variant!r}")
    metadata = DocumentMetadata(
        title=info.get("title"), description=info.get("subject"), authors=[info["author"]] if info.get("author") else []
    )
    rdf = metadata.generate_rdf_metadata("a", int(match.group(1)), match.group(2).upper())
    # The packet exactly as weasyprint.pdf.metadata.DocumentMetadata.include_in_pdf wraps it.
    writer.xmp_metadata = b"\n".join(
        (
            b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/">',
            rdf,
            b'</x:xmpmeta>\n<?xpacket end="r"?>',
        )
    )
    # pypdf's setter makes a bare stream; PDF/A wants it typed (ISO 19005-2, 6.6.2.1).
    stream = writer.root_object["/Metadata"].get_object()
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
