"""The escalation pages in Chromium: the public procedure and the customer's request."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from escalation.models import EscalationContact, EscalationEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published_contacts():
    EscalationContact.objects.create(
        name="Dana Whitfield",
        role="Escalation manager",
        email="escalations@contoso.example",
        phone="+1 425 555 0142",
        hours="Monday–Friday 06:00–18:00 Pacific Time; 24/7 for Severity A",
        is_public=True,
        verified_on=dt.date(2026, 11, 2),
    )
    EscalationContact.objects.create(
        name="Henrik Lund",
        role="Head of support, Europe",
        email="henrik.lund@contoso.example",
        phone="+45 55 55 01 42",
        hours="Monday–Friday 08:00–17:00 CET",
        is_public=True,
        verified_on=dt.date(2026, 10, 20),
    )


def test_the_escalation_page_shows_the_procedure_contacts_and_the_microsoft_form(
    page, live_server, screenshot, published_contacts
):
    page.goto(f"{live_server.url}/support/escalation/")
    assert page.get_by_role("heading", name="Escalation procedure").is_visible()
    assert page.get_by_role("rowheader", name="Dana Whitfield").is_visible()
    assert page.get_by_text("Contacts last verified on").is_visible()
    screenshot("escalation-page")
    # The Microsoft engineer's form, without JavaScript-only behaviour: errors come back inline.
    page.fill("#id_name", "Mia Microsoft")
    page.fill("#id_email", "mia@microsoft.example")
    page.fill("#id_microsoft_case_number", "123")
    page.fill("#id_customer", "Fabrikam Inc.")
    page.fill("#id_description", "The customer is waiting.")
    page.click("text=Send the escalation request")
    assert page.get_by_text("15 or 16 digits").first.is_visible()
    page.fill("#id_microsoft_case_number", "2611220040001234")
    page.click("text=Send the escalation request")
    page.wait_for_url(re.compile(r"/support/escalation/sent/"))
    assert page.get_by_role("heading", name="Check your email").is_visible()
    screenshot("escalation-sent")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/support/escalation/")
    # On a phone each contact is a block of labelled values: nothing runs off the card.
    contacts = page.locator("table.escalation-contacts")
    card = page.locator("#contacts-list")
    assert contacts.bounding_box()["width"] <= card.bounding_box()["width"]
    assert page.locator("table.escalation-contacts td[data-label='Phone']").first.is_visible()
    assert (
        page.evaluate("getComputedStyle(document.querySelector('table.escalation-contacts td'), '::before').content")
        == '"Role"'
    )
    screenshot("escalation-page-mobile")


def test_a_customer_escalates_from_the_incident(page, live_server, login, screenshot, customer, file_incident):
    from django.utils import timezone

    incident = file_incident(at=timezone.now() - dt.timedelta(hours=2))
    login(customer)
    page.goto(f"{live_server.url}/incidents/{incident.number}/escalate/")
    assert page.get_by_role("heading", name=f"Escalate {incident.number}").is_visible()
    page.check("text=The business impact has grown")
    page.fill("#id_description", "All three warehouses have stopped shipping.")
    screenshot("escalation-request-form")
    page.click("text=Escalate this incident")
    assert page.get_by_text("Your escalation was sent").is_visible()
    assert page.get_by_text("Escalation requested by").is_visible()
    screenshot("escalation-request-sent")
    assert EscalationEvent.objects.filter(incident=incident, kind="requested").count() == 1
