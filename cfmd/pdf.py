"""Print HTML to PDF with Playwright and Debian's Chromium.

The page is served from memory at the site's own address: every request is intercepted, the
document comes from `html` and /static/ files from the staticfiles finders, so links in the
PDF point at the real site and nothing goes to the network.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


class PdfError(Exception):
    """The PDF could not be written; the message says why."""


def html_to_pdf(*, html: str, output: Path, page_url: str) -> int:
    """Render `html` as if it were served at `page_url` and write a PDF; returns its size."""
    if not Path(CHROMIUM).exists():
        raise PdfError(f"Chromium not found at {CHROMIUM} (install Debian's chromium or set PORTAL_CHROMIUM)")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise PdfError("playwright is not installed (pip install -r requirements-dev.txt)") from None
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page_url))
    static_prefix = urlsplit(settings.STATIC_URL).path

    def serve(route) -> None:
        url = urlsplit(route.request.url)
        if f"{url.scheme}://{url.netloc}" != origin:
            route.abort()
        elif route.request.url.split("#")[0] == page_url:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
        elif url.path.startswith(static_prefix) and (found := finders.find(url.path[len(static_prefix) :])):
            path = Path(found if isinstance(found, str) else found[0])
            route.fulfill(
                status=200,
                content_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
                body=path.read_bytes(),
            )
        else:
            route.fulfill(status=404, body="")

    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
            try:
                page = browser.new_page()
                page.route("**/*", serve)
                page.goto(page_url, wait_until="load")
                page.emulate_media(media="print")
                page.pdf(
                    path=str(output),
                    format="A4",
                    print_background=True,
                    display_header_footer=True,
                    header_template="<span></span>",
                    footer_template=(
                        '<div style="font-size:8px;width:100%;text-align:center;color:#555">'
                        '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
                    ),
                    margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"},
                )
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise PdfError(f"Chromium could not print the page: {exc}") from None
    return output.stat().st_size
