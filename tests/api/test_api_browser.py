"""The interactive docs and the token page in a real browser, with local assets only."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_from_local_assets(page, live_server, screenshot):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert page.locator(".swagger-ui .opblock").count() >= 9
    assert page.get_by_text("Contoso Add-on Support Portal API").first.is_visible()
    assert page.locator(".swagger-ui .opblock-summary-path", has_text="/api/v1/sla/deadline/").count() == 1
    page.locator(".swagger-ui .opblock-summary", has_text="/api/v1/sla/deadline/").first.click()
    page.wait_for_selector(".swagger-ui .parameters")
    screenshot("api-docs")
    outside = [url for url in requested if not url.startswith(live_server.url) and not url.startswith("data:")]
    assert outside == []
    assert any("/static/drf_spectacular_sidecar/" in url for url in requested)


def test_a_person_creates_a_token_and_sees_it_once(page, live_server, login, screenshot, engineer):
    # A support engineer: the page is the same for customer contacts (tests/accounts/test_api_tokens.py),
    # and staff need no SLA rows, which a transactional test would have to restore.
    login(engineer)
    page.goto(f"{live_server.url}/accounts/api-tokens/")
    page.get_by_label("Name").fill("Helpdesk sync")
    page.get_by_role("button", name="Create token").click()
    key = page.locator("#new-token-key").input_value()
    assert key.startswith("sp_")
    screenshot("api-tokens-created")
    page.goto(f"{live_server.url}/accounts/api-tokens/")
    assert key not in page.content()
    assert page.get_by_role("cell", name="Helpdesk sync", exact=True).is_visible()
    screenshot("api-tokens-list")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls, not the page
    screenshot("api-tokens-mobile")
