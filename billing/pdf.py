"""The invoice as PDF, by WeasyPrint, from the invoice page's own template.

WeasyPrint needs the system's Pango (and its fonts) at import time; on a machine without
them the import fails, `available()` says so once, and the invoice page offers printing
the HTML page instead of a PDF link. WeasyPrint fetches nothing: the only resources a page
names are our own stylesheets, which are read from the static files; every other URL is
refused (no request from the server to wherever a rendered page points).
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

logger = logging.getLogger(__name__)
BASE_URL = "https://invoice.rostracore.invalid/"


def _static_file(name: str) -> bytes:
    """A static file's bytes: from the apps' folders (development) or the collected ones
    (production, where the page names the hashed file)."""
    name = name.split("?")[0]
    found = finders.find(name)
    if not found and staticfiles_storage.exists(name):
        found = staticfiles_storage.path(name)
    if not found:
        raise ValueError(f"no static file {name}")
    return Path(found).read_bytes()


@functools.cache
def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: a system library (Pango) is missing
        logger.warning("PDF invoices are unavailable: WeasyPrint cannot load (%s)", error)
        return None
    return weasyprint


def available() -> bool:
    return _weasyprint() is not None


def render(html: str, *, static_url: str) -> bytes | None:
    """`html` as PDF bytes, or None when WeasyPrint cannot load."""
    weasyprint = _weasyprint()
    if weasyprint is None:
        return None
    static_prefix = BASE_URL.rstrip("/") + "/" + static_url.strip("/") + "/"

    class StaticOnly(weasyprint.urls.URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith(static_prefix):
                raise ValueError(f"not fetched: {url}")
            return weasyprint.urls.URLFetcherResponse(
                url, _static_file(url.removeprefix(static_prefix)), {"Content-Type": "text/css"}
            )

    return weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnly()).write_pdf()
