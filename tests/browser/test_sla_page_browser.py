"""The SLA page and its calculator in headless Chromium, with and without JavaScript."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_sla_page_renders_the_seeded_matrix_and_regions(page, live_server, screenshot):
    page.goto(live_server.url + "/support/")
    assert page.get_by_role("heading", name="Support and service level agreement").is_visible()
    matrix = page.locator("table.sla-matrix")
    assert matrix.locator("tbody tr").count() == 3
    assert matrix.locator("tbody tr").nth(1).inner_text().split("\t")[1:] == [
        "4 hours business hours",
        "2 hours business hours",
        "2 hours 24/7",
    ]
    assert page.locator("article.sla-region").count() == 5
    assert page.locator("#no-resolution-commitment").is_visible()
    page.locator("#region-japan details summary").click()
    assert page.locator("#region-japan details table").is_visible()
    screenshot("sla-page")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("sla-page-mobile")
    # The full mobile page is too tall to look at in one piece: its matrix and a region card.
    page.locator("#response-times").screenshot(path=str(_path("sla-page-mobile-matrix")))
    page.locator("#region-north-america").screenshot(path=str(_path("sla-page-mobile-region")))


def test_the_calculator_updates_live_with_htmx(page, live_server):
    page.goto(live_server.url + "/support/#calculator")
    page.select_option("#id_plan", "subscription")
    page.select_option("#id_severity", "B")
    page.select_option("#id_zone", "America/Los_Angeles")
    page.fill("#id_submitted_at", "2026-11-20T16:30")
    page.select_option("#id_region", "north-america")
    # Each change asks again; wait for the answer to the last one.
    expect(page.locator("#due-utc")).to_have_text("2026-11-23T16:30:00+00:00")
    assert "08:30 PST" in page.locator("#due-region").inner_text()
    # The browser's context runs in Europe/London but an anonymous visitor's pages are in UTC.
    assert "16:30 UTC" in page.locator("#due-viewer").inner_text()
    assert "plan=subscription" in page.url  # the result is bookmarkable
    page.select_option("#id_region", "japan")
    expect(page.locator("#due-utc")).to_have_text("2026-11-24T04:00:00+00:00")
    assert "13:00 JST" in page.locator("#due-region").inner_text()
    page.locator("#calculator").screenshot(path=str(_path("sla-calculator")))


def test_the_calculator_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(live_server.url + "/support/")
        page.select_option("#id_plan", "premier")
        page.select_option("#id_severity", "C")
        page.select_option("#id_region", "germany")
        page.select_option("#id_zone", "Europe/Berlin")
        page.fill("#id_submitted_at", "2026-12-31T15:00")
        page.get_by_role("button", name="Calculate the deadline").click()
        page.wait_for_load_state()
        assert "#calculator" in page.url
        assert page.locator("#due-utc").inner_text() == "2027-01-04T10:00:00+00:00"
        # A wall time the clocks skip in Los Angeles (spring forward, 8 March 2026).
        page.select_option("#id_zone", "America/Los_Angeles")
        page.fill("#id_submitted_at", "2026-03-08T02:30")
        page.get_by_role("button", name="Calculate the deadline").click()
        page.wait_for_load_state()
        message = page.locator("#calculator-result").inner_text()
        assert "2026-03-08 02:30 does not exist in America/Los_Angeles" in message
        assert page.locator(".field-error #id_submitted_at").is_visible()
        page.locator("#calculator").screenshot(path=str(_path("sla-calculator-error-nojs")))
    finally:
        context.close()


def _path(name: str) -> Path:
    """Where an element screenshot goes (the `screenshot` fixture takes whole pages)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
