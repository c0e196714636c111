"""Article Markdown renders to safe HTML (no database needed)."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from core.markdown import ALLOWED_TAGS, render_markdown
from tests.knowledgebase.xss_vectors import XSS_VECTORS

SAFE_SCHEMES = ("http:", "https:", "mailto:")
C0_AND_SPACE = "".join(chr(c) for c in range(0x21))


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


def elements_of(markup: str):
    parser = _Collector()
    parser.feed(markup)
    parser.close()
    return parser.elements


def _is_safe_url(value: str) -> bool:
    """As a browser parses it (WHATWG URL): tabs and newlines removed, C0 controls and spaces
    trimmed; without a valid scheme the URL is relative to the page."""
    compact = re.sub(r"[\t\n\r]", "", html.unescape(value)).strip(C0_AND_SPACE)
    scheme = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", compact)
    if scheme is None:
        return True  # relative to the page
    return f"{scheme.group(1).lower()}:" in SAFE_SCHEMES


def assert_safe(markup: str) -> None:
    for tag, attrs in elements_of(markup):
        assert tag in ALLOWED_TAGS, f"tag <{tag}> survived in {markup!r}"
        for name, value in attrs:
            assert not name.startswith("on"), f"event handler {name} survived in {markup!r}"
            assert name != "style" or "url(" not in (value or ""), markup
            if name in ("href", "src", "action", "formaction", "background", "data"):
                assert _is_safe_url(value or ""), f"unsafe URL {value!r} in {markup!r}"
    assert "<script" not in markup.lower()


def test_there_are_at_least_thirty_vectors():
    assert len(XSS_VECTORS) >= 30


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_every_cheat_sheet_vector_renders_without_active_content(vector):
    assert_safe(str(render_markdown(vector)))


def test_all_vectors_together_render_safely():
    assert_safe(str(render_markdown("\n\n".join(XSS_VECTORS))))


def test_markdown_still_renders_headings_lists_tables_and_code():
    out = str(
        render_markdown("## Steps\n\n1. Open **Users**\n2. Add `CAW-WORKER`\n\n| A | B |\n| --- | --- |\n| 1 | 2 |")
    )
    assert "<h2>Steps</h2>" in out
    assert "<ol>" in out
    assert "<strong>Users</strong>" in out
    assert "<code>CAW-WORKER</code>" in out
    assert "<table>" in out


def test_links_keep_safe_schemes_and_get_noopener_nofollow():
    out = str(render_markdown("[docs](https://learn.microsoft.com/) and [mail](mailto:support@example.com)"))
    links = [dict(attrs) for tag, attrs in elements_of(out) if tag == "a"]
    assert [link["href"] for link in links] == ["https://learn.microsoft.com/", "mailto:support@example.com"]
    for link in links:
        assert {"noopener", "nofollow"} <= set(link["rel"].split())


def test_javascript_link_keeps_its_text_but_loses_its_target():
    out = str(render_markdown("[click me](javascript:alert(1))"))
    assert "click me" in out
    assert "javascript" not in out.lower() or "href" not in out


def test_broken_html_is_closed_or_escaped():
    out = str(render_markdown("<div><b>unclosed <i>tags <table><tr><td>cell"))
    assert_safe(out)
    assert "unclosed" in out
