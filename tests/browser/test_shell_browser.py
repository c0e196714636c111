import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_renders_in_chromium(page, live_server, screenshot):
    page.goto(live_server.url + "/")
    assert page.title().endswith("Support")
    assert page.locator("nav.main-nav a").count() >= 7
    assert page.get_by_role("heading", name="Initial response times").is_visible()
    screenshot("shell-home")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("shell-home-mobile")
