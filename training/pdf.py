"""PDF documents: the project's one WeasyPrint entry point (attendance sheets, certificates).

Documents are Jinja templates fed plain dicts, rendered with a URL fetcher that serves only
the app's own `static/` files: a name or a note holding `<img src="file:///etc/passwd">`
prints as text (autoescape), and a template that does link elsewhere gets nothing.
WeasyPrint is imported on first use: importing it takes about 0.7 s.
"""

from __future__ import annotations

import functools
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import DataHandler, Request, url2pathname

from flask import current_app, render_template


def _static_root() -> Path:
    """The app's static folder, symlinks resolved."""
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
    prefix = current_app.static_url_path.rstrip("/") + "/"
    if not candidate.is_relative_to(root) and path.startswith(prefix):
        # "/static/css/app.css" as url_for("static", ...) writes it, joined to the file:// base URL.
        candidate = (root / path[len(prefix):]).resolve()
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


def render_pdf(template: str, data: dict, *, stylesheets: list[str] = (), pdf_variant: str | None = None) -> bytes:
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
