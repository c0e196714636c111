"""The public escalation page, the Microsoft engineer's form, the customer's request."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from escalation.models import EscalationContact, EscalationEvent, EscalationRequest, EventKind
from escalation.selectors import escalation_events_for_incident
from escalation.services.requests import (
    EscalationRequestError,
    escalation_request_verify,
)
from incidents.models import Incident
from tests.notify.outbox import send_pending

pytestmark = pytest.mark.django_db

PAGE = "/support/escalation/"


@pytest.fixture(autouse=True)
def _clear_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def contacts():
    return [
        EscalationContact.objects.create(
            name="Dana Duty",
            role="Escalation manager",
            email="dana@contoso.example",
            phone="+1 425 555 0199",
            hours="Monday–Friday 08:00–18:00 Pacific Time",
            is_public=True,
            verified_on=dt.date(2026, 10, 1),
        ),
        EscalationContact.objects.create(
            name="Sam Second",
            role="Head of support",
            email="sam@contoso.example",
            phone="+45 55 55 01 99",
            hours="24/7 for Severity A",
            is_public=True,
            verified_on=dt.date(2026, 9, 15),
        ),
        EscalationContact.objects.create(
            name="Ina Internal",
            role="On-call engineer",
            email="ina@contoso.example",
            phone="+44 20 5555 0199",
            hours="24/7",
            is_public=False,
        ),
    ]


def test_the_page_publishes_levels_and_times_from_the_live_policy_and_the_public_contacts(client, contacts, sla):
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    # Severity A, 60 minutes: warning at 45 minutes, level 2 thirty minutes after the breach.
    assert "75 % of the response time" in html
    assert "45 minutes" in html
    assert "the response time + 30 minutes of business time" in html
    assert "Support leads" in html
    for text in (
        "No response by the due time",
        "The business impact has grown",
        "The agreed action plan is not working",
    ):
        assert text in html
    for text in ("Dana Duty", "dana@contoso.example", "+1 425 555 0199"):
        assert text in html
    assert "24/7 for Severity A" in html
    assert "Ina Internal" not in html
    assert "Contacts last verified on 15 September 2026" in html or "Contacts last verified on Sept. 15, 2026" in html


def test_an_edited_policy_shows_on_the_page_at_once(client, sla):
    from escalation.models import EscalationStep, StepKind

    EscalationStep.objects.filter(policy__severity__code="A", kind=StepKind.WARNING).update(percent_of_target=50)
    assert "50 % of the response time" in client.get(PAGE).content.decode()


def _form(**overrides):
    data = {
        "name": "Mia Microsoft",
        "email": "mia@microsoft.example",
        "microsoft_case_number": "2611220040001234",
        "customer": "Fabrikam Inc.",
        "criterion": "no_response",
        "description": "The customer has been waiting since this morning.",
    }
    return {**data, **overrides}


def test_a_microsoft_engineer_is_verified_by_email_before_anyone_is_paged(
    client, contacts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE, _form())
    assert response.status_code == 302
    assert response["Location"] == reverse("escalation:sent")
    request = EscalationRequest.objects.get()
    assert request.verified_at is None
    assert not EscalationEvent.objects.exists()
    [confirmation] = mail.outbox
    assert confirmation.to == ["mia@microsoft.example"]
    link = re.search(r"http://\S+/support/escalation/verify/\S+/", confirmation.body).group(0)
    path = link.split("http://127.0.0.1:8000", 1)[1]
    # Following the link shows a button (mail scanners open links); only the POST pages.
    assert client.get(path).status_code == 200
    assert not EscalationEvent.objects.exists()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(path)
    assert response.status_code == 200
    event = EscalationEvent.objects.get()
    assert event.kind == EventKind.REQUESTED
    assert len(callbacks) == 1
    mail.outbox.clear()
    send_pending(now=event.fired_at)
    paged = sorted(address for message in mail.outbox for address in message.to)
    assert paged == ["dana@contoso.example", "ina@contoso.example", "sam@contoso.example"]
    assert "2611220040001234" in mail.outbox[0].body


def test_a_second_click_on_the_link_pages_nobody_again(client, contacts, now):
    client.post(PAGE, _form())
    request = EscalationRequest.objects.get()
    from escalation.services.requests import verify_token_make

    token = verify_token_make(request)
    escalation_request_verify(token=token, now=now)
    escalation_request_verify(token=token, now=now + dt.timedelta(minutes=1))
    assert EscalationEvent.objects.count() == 1


def test_a_tampered_link_is_refused(client):
    response = client.post(reverse("escalation:verify", kwargs={"token": "not-a-token"}))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    with pytest.raises(EscalationRequestError):
        escalation_request_verify(token="x:y:z", now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


def test_the_microsoft_request_is_matched_to_the_open_incident_with_that_case_number(client, file_incident, now):
    incident = file_incident(at=now, microsoft_case_number="2611220040001234")
    client.post(PAGE, _form())
    assert EscalationRequest.objects.get().incident == incident


def test_the_form_explains_invalid_fields(client):
    response = client.post(PAGE, _form(microsoft_case_number="123", email="nope"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "15 or 16 digits" in html
    assert not EscalationRequest.objects.exists()


def test_the_public_form_is_rate_limited_per_address_and_per_email(client):
    for i in range(5):
        assert client.post(PAGE, _form(email=f"mia{i}@microsoft.example")).status_code == 302
    response = client.post(PAGE, _form(email="mia9@microsoft.example"))
    assert response.status_code == 429
    assert "Too many escalation requests" in response.content.decode()
    assert EscalationRequest.objects.count() == 5
    # Another client with another address is not affected ...
    assert client.post(PAGE, _form(email="other@microsoft.example"), REMOTE_ADDR="10.0.0.8").status_code == 302
    # ... but one e-mail address cannot be used more often by hopping between networks.
    for i in range(4):
        client.post(PAGE, _form(email="other@microsoft.example"), REMOTE_ADDR=f"10.0.1.{i}")
    assert client.post(PAGE, _form(email="other@microsoft.example"), REMOTE_ADDR="10.0.2.1").status_code == 429


def test_behind_a_proxy_each_client_has_its_own_bucket(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for i in range(5):
        response = client.post(PAGE, _form(email=f"a{i}@microsoft.example"), HTTP_X_FORWARDED_FOR="198.51.100.7")
        assert response.status_code == 302
    limited = client.post(PAGE, _form(email="a9@microsoft.example"), HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert limited.status_code == 429
    # Same proxy (REMOTE_ADDR), another client: its own bucket, not one global one.
    other = client.post(PAGE, _form(email="b@microsoft.example"), HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert other.status_code == 302


def test_a_bot_filling_the_hidden_field_is_ignored(client):
    assert client.post(PAGE, _form(website="http://spam.example")).status_code == 302
    assert not EscalationRequest.objects.exists()


# --- The customer's request -------------------------------------------------------------------


def test_a_submitter_escalates_their_incident_and_it_shows_on_the_timeline(
    client, customer, file_incident, now, contacts, django_capture_on_commit_callbacks
):
    incident = file_incident(at=now)
    client.force_login(customer)
    url = reverse("escalation:request", kwargs={"number": incident.number})
    page = client.get(url)
    assert page.status_code == 200
    assert "The agreed action plan is not working" in page.content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, {"criterion": "impact_grew", "description": "Now all warehouses are down."})
    assert response.status_code == 302
    assert len(callbacks) == 2  # the contacts' deliveries, and the customer's acceptance e-mail
    [event] = escalation_events_for_incident(incident)
    assert event.kind == EventKind.REQUESTED
    assert event.request.requested_by == customer
    assert "Now all warehouses are down." in event.request.description
    followed = client.get(url)
    assert "Escalation requested by" in followed.content.decode()


def test_a_second_customer_escalation_within_the_hour_is_refused(client, customer, file_incident, now):
    incident = file_incident(at=now)
    client.force_login(customer)
    url = reverse("escalation:request", kwargs={"number": incident.number})
    client.post(url, {"criterion": "impact_grew", "description": "Worse."})
    response = client.post(url, {"criterion": "impact_grew", "description": "Even worse."})
    assert response.status_code == 400
    assert "less than an hour ago" in response.content.decode()
    assert EscalationEvent.objects.count() == 1


def test_a_viewer_cannot_escalate(client, viewer, file_incident, now):
    incident = file_incident(at=now)
    client.force_login(viewer)
    url = reverse("escalation:request", kwargs={"number": incident.number})
    assert client.get(url).status_code == 403
    assert client.post(url, {"criterion": "impact_grew", "description": "x"}).status_code == 403
    assert not EscalationRequest.objects.exists()


def test_another_organisation_cannot_even_see_the_incident(client, outsider, file_incident, now):
    incident = file_incident(at=now)
    client.force_login(outsider)
    assert client.get(reverse("escalation:request", kwargs={"number": incident.number})).status_code == 404


def test_a_closed_incident_cannot_be_escalated(client, customer, file_incident, now):
    incident = file_incident(at=now)
    Incident.objects.filter(pk=incident.pk).update(status="closed")
    client.force_login(customer)
    url = reverse("escalation:request", kwargs={"number": incident.number})
    response = client.post(url, {"criterion": "impact_grew", "description": "Worse."})
    assert response.status_code == 400
    assert "closed" in response.content.decode()


def test_marking_contacts_verified_in_the_admin_records_each_in_their_history(admin_client, admin_user):
    from django.utils import timezone

    from escalation.models import EscalationContact

    contacts = [
        EscalationContact.objects.create(
            name=name, role="Escalation manager", email=f"{name}@example.com", phone="+1 1"
        )
        for name in ("ann", "bob")
    ]
    response = admin_client.post(
        "/admin/escalation/escalationcontact/",
        {"action": "mark_verified_today", "_selected_action": [c.pk for c in contacts]},
        follow=True,
    )
    assert "2 contact(s) marked as verified." in response.content.decode()
    for contact in contacts:
        contact.refresh_from_db()
        assert contact.verified_on == timezone.localdate()
        latest = contact.history.latest()
        assert (latest.verified_on, latest.history_user) == (timezone.localdate(), admin_user)
