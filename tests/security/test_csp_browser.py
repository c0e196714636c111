"""The Content-Security-Policy in Chromium: the main journeys (sign in, file an incident with
htmx's preview, open it, the account page, the API docs, the admin's sign-in, queue and
incident page) run without a single violation reported to the console."""

from __future__ import annotations

import re

import pytest

from incidents.models import Incident
from tests.factories import PASSWORD
from tests.incidents.test_admin_queue import file_incident
from tests.two_factor import pass_second_factor, totp_device_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Chromium reports a violation on the console itself ("Refused to ... because it violates the
# following Content Security Policy directive"); the page's securitypolicyviolation event is
# written there too, so that none goes unseen.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} on ${e.documentURI}`);
});
"""


@pytest.fixture
def violations(page):
    found: list[str] = []
    page.context.add_init_script(REPORT_VIOLATIONS)

    def listen(message) -> None:
        if "Content Security Policy" in message.text or "CSP violation" in message.text:
            found.append(message.text)

    page.on("console", listen)
    return found


def test_the_listener_sees_a_violation(page, live_server, violations):
    page.goto(f"{live_server.url}/")
    page.evaluate("""document.body.insertAdjacentHTML("beforeend", '<img src="x" onerror="window.x = 1">')""")
    page.wait_for_timeout(300)
    assert violations, "an inline handler must be reported"


def test_the_customer_journey_reports_no_violation(page, live_server, login, customer, violations, screenshot):
    login(customer)
    page.goto(f"{live_server.url}/incidents/new/")
    page.fill("#id_title", "Pick list prints blank bin codes after upgrade")
    page.fill("#id_description", "After upgrading to **24.3** the pick list shows no bin codes.")
    page.fill("#id_product_text", "Contoso Advanced Warehousing 24.3")
    page.get_by_role("button", name="Preview the description").click()
    assert page.locator("#description-preview strong").inner_text() == "24.3"  # htmx ran
    page.get_by_role("radio", name=re.compile("Severity B")).check()
    page.set_input_files("#id_attachments", files=[{"name": "a.log", "mimeType": "text/plain", "buffer": b"x\n"}])
    page.get_by_role("button", name="File incident").click()
    page.wait_for_load_state("networkidle")
    incident = Incident.objects.get()
    page.get_by_role("link", name="Open the incident").click()
    page.wait_for_load_state("networkidle")
    assert incident.number in page.content()
    screenshot("csp-customer-incident")
    page.goto(f"{live_server.url}/accounts/")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/help/")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock")
    screenshot("csp-api-docs")
    assert violations == []


def test_the_engineer_journey_reports_no_violation(
    page, live_server, engineer, customer, organization, violations, screenshot
):
    incident = file_incident(organization, customer, title="Warehouse shipments cannot be posted", sev="A")
    totp_device_for(engineer)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/incidents/incident/")
    page.fill("#id_username", engineer.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    screenshot("csp-two-factor-verify")
    pass_second_factor(page, engineer)
    assert page.locator("#result_list tbody tr").count() == 1
    screenshot("csp-admin-queue")
    page.goto(f"{live_server.url}/admin/incidents/incident/{incident.pk}/change/")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/admin/")
    page.wait_for_load_state("networkidle")
    assert violations == []


def test_an_engineer_enrols_an_authenticator_app_without_a_violation(page, live_server, lead, violations, screenshot):
    """A new engineer's first sign-in: the enrolment page with its QR code (an image of this
    site, no data: URI), the key typed into a phone (here: computed from the page's key),
    the recovery codes, then the admin."""
    import base64

    from django_otp.oath import TOTP

    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", lead.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/two-factor/enrol/" in page.url
    assert page.evaluate("document.querySelector('img.qr-code').naturalWidth") > 0, "the QR code loads"
    screenshot("two-factor-enrol")
    secret = page.inner_text(".totp-secret").replace(" ", "")
    code = TOTP(base64.b32decode(secret)).token()
    page.fill("#id_code", f"{code:06d}")
    page.get_by_role("button", name="Turn on two-step verification").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".recovery-codes li").count() == 10
    screenshot("two-factor-recovery-codes")
    page.get_by_role("link", name="Continue").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/admin/incidents/incident/")  # staff land on the queue
    assert violations == []
