"""The incident page as a workspace: sticky message kind, stale forms refused, Close and
Resolve confirmed with a note, the breach in business time, Markdown, the leads' workload."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from incidents.models import Comment, IncidentStatus, Visibility
from incidents.selectors.page import incident_stamp, workload_by_engineer
from incidents.services import comment_add, incident_assign, incident_transition
from notify.models import Delivery
from tests.conftest import NOW
from tests.incidents.test_admin_queue import change_url, file_incident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def incident(organization, customer):
    return file_incident(organization, customer, title="Bin codes blank", sev="B")


def reply(client, incident, body, kind, stamp=None):
    return client.post(
        reverse("admin:incidents_incident_reply", args=[incident.pk]),
        {"body": body, "visibility": kind, "stamp": incident_stamp(incident) if stamp is None else stamp},
        follow=True,
    )


def checked_kind(content: str) -> str:
    """The message kind whose radio is checked."""
    for kind in Visibility.values:
        marker = f'name="visibility" value="{kind}"'
        start = content.index(marker)
        tag = content[content.rindex("<input", 0, start) : content.index(">", start)]
        if "checked" in tag:
            return kind
    return ""


def test_after_an_internal_note_the_next_message_is_an_internal_note_too(client, engineer, incident):
    client.force_login(engineer)
    assert checked_kind(client.get(change_url(incident)).content.decode()) == Visibility.PUBLIC
    reply(client, incident, "Reproduced on a copy.", Visibility.INTERNAL)
    assert checked_kind(client.get(change_url(incident)).content.decode()) == Visibility.INTERNAL
    reply(client, incident, "Back to the customer now.", Visibility.PUBLIC)
    assert checked_kind(client.get(change_url(incident)).content.decode()) == Visibility.PUBLIC


def test_the_kind_is_the_engineers_own(client, engineer, other_engineer, incident):
    client.force_login(engineer)
    reply(client, incident, "Internal thought.", Visibility.INTERNAL)
    client.force_login(other_engineer)
    assert checked_kind(client.get(change_url(incident)).content.decode()) == Visibility.PUBLIC


def test_a_reply_from_a_page_older_than_a_customer_message_is_refused_and_kept(client, engineer, customer, incident):
    client.force_login(engineer)
    stamp = incident_stamp(incident)
    comment_add(incident=incident, author=customer, body="It works again!", now=NOW + dt.timedelta(minutes=1))
    response = reply(client, incident, "Please restart the service.", Visibility.PUBLIC, stamp=stamp)
    content = response.content.decode()
    assert "the incident changed since you opened it" in content
    assert "a new message by" in content
    assert Comment.objects.filter(incident=incident, author=engineer).count() == 0
    assert "Please restart the service." in content  # the draft is back in the reply box
    reply(client, incident, "Glad to hear it.", Visibility.PUBLIC)  # from the fresh page
    assert Comment.objects.filter(incident=incident, author=engineer).count() == 1


def test_a_status_move_from_a_stale_page_names_the_move_that_happened(client, engineer, lead, incident):
    stamp = incident_stamp(incident)
    incident_transition(incident=incident, to_status=IncidentStatus.IN_PROGRESS, by=lead, now=NOW)
    client.force_login(engineer)
    response = client.post(
        reverse("admin:incidents_incident_transition", args=[incident.pk]),
        {"to_status": IncidentStatus.AWAITING_CUSTOMER, "stamp": stamp},
        follow=True,
    )
    assert "status changed to In progress" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.IN_PROGRESS


def test_an_edit_from_a_stale_page_names_the_fields_changed(client, engineer, other_engineer, incident):
    stamp = incident_stamp(incident)
    with time_machine.travel(NOW + dt.timedelta(minutes=2), tick=False):
        incident_assign(incident=incident, assignee=other_engineer, by=other_engineer, now=NOW)
    client.force_login(engineer)
    content = reply(client, incident, "Hello", Visibility.PUBLIC, stamp=stamp).content.decode()
    assert "details changed: assignee" in content


def test_closing_asks_for_confirmation_and_a_note(client, engineer, incident):
    client.force_login(engineer)
    url = reverse("admin:incidents_incident_transition", args=[incident.pk])
    stamp = incident_stamp(incident)
    response = client.post(url, {"to_status": "closed", "stamp": stamp})
    assert response.status_code == 200
    assert 'name="confirmed" value="yes"' in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.NEW
    response = client.post(url, {"to_status": "closed", "stamp": stamp, "confirmed": "yes", "note": ""})
    assert "Write a note." in response.content.decode()
    client.post(url, {"to_status": "closed", "stamp": stamp, "confirmed": "yes", "note": "Customer confirmed"})
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED


def test_a_breached_clock_says_how_long_ago_in_business_time(client, engineer, incident):
    # Due Monday 09:00 Los Angeles (17:00 UTC); three business hours later it is 12:00 there.
    client.force_login(engineer)
    with time_machine.travel(NOW + dt.timedelta(hours=5), tick=False):
        content = client.get(change_url(incident)).content.decode()
    assert "breached 3 h 00 min ago (business time)" in content
    assert 'data-testid="business-time-left"' not in content  # no "< 1 min left" beside it


def test_markdown_from_the_customer_is_rendered_and_sanitised(client, engineer, customer, incident):
    comment_add(
        incident=incident, author=customer, body="**Urgent** <script>alert(1)</script>", now=NOW + dt.timedelta(1)
    )
    client.force_login(engineer)
    content = client.get(change_url(incident)).content.decode()
    assert "<strong>Urgent</strong>" in content
    assert "<script>alert(1)</script>" not in content


def test_the_conversation_comes_before_the_fields(client, engineer, incident):
    client.force_login(engineer)
    content = client.get(change_url(incident)).content.decode()
    assert content.index('id="reply"') < content.index('id="timeline"') < content.index("incident_form")


def test_the_workload_is_one_query_whatever_the_number_of_incidents(
    engineer, other_engineer, organization, customer, django_assert_num_queries
):
    for _ in range(2):
        incident_assign(incident=file_incident(organization, customer), assignee=engineer, by=engineer, now=NOW)
    file_incident(organization, customer)
    with django_assert_num_queries(1):
        few = workload_by_engineer(now=NOW)
    for _ in range(3):
        incident_assign(
            incident=file_incident(organization, customer), assignee=other_engineer, by=other_engineer, now=NOW
        )
    with django_assert_num_queries(1):
        many = workload_by_engineer(now=NOW)
    assert [(w.name, w.open_count) for w in few] == [("Unassigned", 1), (engineer.get_full_name(), 2)]
    counts = {w.assignee_id: w.open_count for w in many}
    assert counts == {None: 1, engineer.pk: 2, other_engineer.pk: 3}
    assert all(w.nearest_due_at is not None for w in many)


def test_the_workload_page_is_for_leads_and_reassigning_tells_the_new_assignee(
    client, engineer, other_engineer, lead, incident
):
    url = reverse("admin:incidents_incident_workload")
    client.force_login(engineer)
    assert client.get(url).status_code == 403
    client.force_login(lead)
    assert "Unassigned" in client.get(url).content.decode()
    client.post(url, {"number": incident.number, "assignee": other_engineer.pk})
    incident.refresh_from_db()
    assert incident.assignee == other_engineer
    mail = Delivery.objects.get(key__startswith=f"incident-assigned:{incident.pk}:")
    assert mail.to == other_engineer.email


def test_taking_an_incident_oneself_sends_no_email(engineer, incident):
    incident_assign(incident=incident, assignee=engineer, by=engineer, now=NOW)
    assert not Delivery.objects.filter(key__startswith="incident-assigned:").exists()
