"""Customer journeys in headless Chromium: file an incident, invite a colleague, be kept out
of another organisation's incidents, meet an expired contract."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail

from accounts.models import Role
from incidents.models import Incident
from incidents.services import NewIncident, incident_create
from tests.factories import ContractFactory, MemberFactory, OrganizationFactory, severity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_contact_files_a_severity_b_incident_with_an_attachment(page, live_server, login, customer, screenshot):
    login(customer)
    page.goto(f"{live_server.url}/incidents/")
    page.get_by_role("link", name="File a new incident").first.click()
    page.fill("#id_title", "Pick list prints blank bin codes after upgrade")
    page.fill(
        "#id_description", "After upgrading to **24.3** the pick list shows no bin codes.\n\n1. Open a pick\n2. Print"
    )
    page.fill("#id_product_text", "Contoso Advanced Warehousing 24.3 on Business Central 2024 wave 2")
    page.get_by_role("button", name="Preview the description").click()
    assert page.locator("#description-preview strong").inner_text() == "24.3"  # htmx renders the Markdown
    page.get_by_role("radio", name=re.compile("Severity B")).check()
    assert not page.locator("#id_contact_phone").is_visible()  # Severity A block stays hidden for B
    page.set_input_files(
        "#id_attachments", files=[{"name": "picklist.log", "mimeType": "text/plain", "buffer": b"ERROR bin\n"}]
    )
    screenshot("customer-new-incident-form")
    page.get_by_role("button", name="File incident").click()
    page.wait_for_load_state("networkidle")
    incident = Incident.objects.get()
    assert page.get_by_role("heading", name="Your incident is filed").is_visible()
    assert incident.number in page.locator(".incident-number").inner_text()
    assert "A support engineer will contact you by" in page.content()
    assert page.locator(".due-viewer").is_visible()
    screenshot("customer-incident-submitted")
    page.get_by_role("link", name="Open the incident").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("link", name="picklist.log").is_visible()
    assert "<strong>24.3</strong>" in page.locator(".prose").first.inner_html()
    screenshot("customer-incident-page")
    page.goto(f"{live_server.url}/incidents/")
    assert page.get_by_role("link", name=incident.number).is_visible()
    screenshot("customer-my-incidents")


def test_severity_a_asks_for_confirmation_and_phone(page, live_server, login, customer, screenshot):
    login(customer)
    page.goto(f"{live_server.url}/incidents/new/")
    page.fill("#id_title", "Shipments cannot be posted")
    page.fill("#id_description", "Production is down.")
    page.fill("#id_product_text", "CAW 24.3")
    page.get_by_role("radio", name=re.compile("Severity A")).check()
    assert page.locator("#id_contact_phone").is_visible()
    page.fill("#id_contact_phone", "")
    page.get_by_role("button", name="File incident").click()
    page.wait_for_load_state("networkidle")
    assert "needs a phone number" in page.content()
    assert page.locator("#id_title").input_value() == "Shipments cannot be posted"
    screenshot("customer-severity-a-errors")
    assert Incident.objects.count() == 0


def test_an_admin_invites_a_contact_who_accepts(
    page, live_server, login, customer_admin, customer, viewer, organization, screenshot
):
    login(customer_admin)
    page.goto(f"{live_server.url}/accounts/members/")
    page.fill("#id_email", "nina.new@fabrikam.example")
    page.select_option("#id_role", "submitter")
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_load_state("networkidle")
    assert "We emailed an invitation to nina.new@fabrikam.example" in page.content()
    screenshot("customer-members-invited")
    # On a phone each person is one block: the role and the revoke button are in view, not
    # behind a sideways scroll of the table.
    page.set_viewport_size({"width": 390, "height": 844})
    role = page.locator(f"#role-{viewer.membership.pk}")
    box = role.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 390, box
    screenshot("customer-members-mobile")
    page.set_viewport_size({"width": 1280, "height": 900})
    [message] = [m for m in mail.outbox if m.to == ["nina.new@fabrikam.example"]]
    link = re.search(r"https?://\S+(/accounts/invitation/\S+/)", message.body).group(1)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("networkidle")
    page.goto(live_server.url + link)
    page.fill("#id_first_name", "Nina")
    page.fill("#id_last_name", "New")
    page.fill("#id_password1", "a-long-unusual-passphrase")
    page.fill("#id_password2", "a-long-unusual-passphrase")
    screenshot("customer-invitation-accept")
    page.get_by_role("button", name="Accept invitation").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/incidents/")
    assert "Welcome, Nina. Fabrikam Inc. has added you as a support contact." in page.content()
    screenshot("customer-invitation-accepted")
    page.goto(f"{live_server.url}/accounts/")
    assert "Professional Direct" in page.content()
    screenshot("customer-account")


def test_a_customer_of_another_organisation_gets_404_everywhere(
    page, live_server, login, customer, outsider, organization, screenshot
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    incident = incident_create(
        organization=organization,
        submitted_by=customer,
        data=NewIncident(title="Fabrikam's secret", description="x", severity=severity("B"), product_text="CAW"),
        files=[SimpleUploadedFile("secret.txt", b"secret")],
        now=dt.datetime.now(dt.UTC),
    ).incident
    attachment = incident.attachments.get()
    login(outsider)
    base = f"{live_server.url}/incidents/{incident.number}"
    for url in (f"{base}/", f"{base}/submitted/", f"{base}/files/{attachment.pk}/"):
        response = page.goto(url)
        assert response.status == 404, url
        assert "Fabrikam's secret" not in page.content()
        assert "secret.txt" not in page.content()
    for action in ("comment", "confirm", "reopen"):
        response = page.request.post(f"{base}/{action}/", form={"body": "x", "reason": "x"})
        assert response.status in (403, 404), action  # 403 is only CSRF refusing a forged post
    page.goto(f"{base}/")
    screenshot("customer-outsider-404")
    page.goto(f"{live_server.url}/incidents/")
    assert incident.number not in page.content()


def test_an_organisation_with_an_expired_contract_gets_the_clear_page(page, live_server, login, sla, screenshot):
    org = OrganizationFactory(name="Expired Corp")
    ContractFactory(organization=org, starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2024, 12, 31))
    MemberFactory(organization=org, role=Role.ADMIN, email="ada.admin@expired.example")
    contact = MemberFactory(organization=org, role=Role.SUBMITTER, email="sam.submitter@expired.example")
    login(contact)
    page.goto(f"{live_server.url}/incidents/new/")
    assert "no active support contract" in page.content()
    page.fill("#id_title", "Replenishment stopped")
    page.fill("#id_description", "The job queue entry stopped last night.")
    page.fill("#id_product_text", "CAW 24.3")
    page.get_by_role("radio", name=re.compile("Severity C")).check()
    page.get_by_role("button", name="File incident").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/incidents/new/cannot-submit/")
    assert page.get_by_role("heading", name="Your incident cannot be filed right now").is_visible()
    assert "ended on 31 December 2024" in page.content()
    assert "ada.admin@expired.example" in page.content()
    assert "Replenishment stopped" in page.content()
    screenshot("customer-cannot-submit")
    page.get_by_role("link", name="Back to the form").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#id_title").input_value() == "Replenishment stopped"
    assert page.locator("#id_description").input_value() == "The job queue entry stopped last night."
    assert page.get_by_role("radio", name=re.compile("Severity C")).is_checked()
    assert Incident.objects.count() == 0


def test_pages_fit_a_phone_screen(page, live_server, login, customer, organization, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    login(customer)
    page.goto(f"{live_server.url}/incidents/new/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot("customer-new-incident-mobile")
    # My incidents: each incident is one block, its status and response time in view (the
    # table hid them behind a sideways scroll).
    incident_create(
        organization=organization,
        submitted_by=customer,
        data=NewIncident(title="Bin codes blank", description="x", severity=severity("B")),
        now=dt.datetime.now(dt.UTC),
    )
    page.goto(f"{live_server.url}/incidents/")
    status = page.locator("table.incident-list td[data-label='Response due']").first
    box = status.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 390, box
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot("customer-my-incidents-mobile")
