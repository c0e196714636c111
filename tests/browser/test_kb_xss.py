"""The OWASP XSS cheat-sheet vectors, in an article, run nothing in headless Chromium."""

from __future__ import annotations

import pytest

from knowledgebase.models import ArticleKind
from tests.knowledgebase.kbfactories import ArticleFactory
from tests.knowledgebase.xss_vectors import XSS_VECTORS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_no_vector_executes_on_the_article_search_and_faq_pages(page, live_server, screenshot):
    ArticleFactory(
        title="<script>window.__xss=1</script>Evasion sampler",
        slug="evasion-sampler",
        summary='<img src=x onerror="window.__xss=1">Sampler summary',
        body="\n\n".join(XSS_VECTORS),
        kind=ArticleKind.FAQ,
    )
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    for path in (
        "/help/articles/evasion-sampler/",
        "/help/search/?q=script+alert",
        "/help/search/?q=%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E+sampler",
        "/help/faq/",
        "/help/",
    ):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        for summary in page.locator("details summary").all():
            summary.click()
        for element in page.locator("main a, main img").all():
            if element.is_visible():
                element.hover()
        page.wait_for_timeout(300)
        assert page.evaluate("window.__xss") is None, path
        assert dialogs == [], path
        if path.startswith("/help/articles/"):
            assert page.locator("main script").count() == 0
            assert "Evasion sampler" in page.locator("h1").inner_text()
            screenshot("kb-xss-article")
