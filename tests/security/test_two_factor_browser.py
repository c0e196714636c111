"""Issue 25, point 2, in Chromium: two browsers signed in with the same password enrol at
once; each is shown its own key, and only the first to confirm gets an authenticator app."""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_enrolment(page, live_server, user) -> str:
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/two-factor/enrol/" in page.url
    return page.inner_text(".totp-secret").replace(" ", "")


def confirm(page, secret: str) -> None:
    page.fill("#id_code", f"{TOTP(base64.b32decode(secret)).token():06d}")
    page.get_by_role("button", name="Turn on two-step verification").click()
    page.wait_for_load_state("networkidle")


def test_two_sessions_enrol_at_once_and_only_the_first_can_confirm(page, browser, live_server, lead, screenshot):
    other = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        second = other.new_page()
        first_key = open_enrolment(page, live_server, lead)
        second_key = open_enrolment(second, live_server, lead)
        assert first_key != second_key
        confirm(page, first_key)
        assert page.locator(".recovery-codes li").count() == 10
        confirm(second, second_key)
        assert "/accounts/two-factor/?next=" in second.url  # the code step, not enrolment
        assert "set up in another session" in second.content()
        assert second.locator(".recovery-codes li").count() == 0
        screenshot("two-factor-first-session-confirmed")
        second.screenshot(path=str(screenshot("two-factor-second-session-refused")), full_page=True)
    finally:
        other.close()
    [device] = TOTPDevice.objects.filter(user=lead, confirmed=True)
    assert base64.b32encode(device.bin_key).decode() == first_key
