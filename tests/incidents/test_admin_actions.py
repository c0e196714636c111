"""The queue's actions: assign, initial response, severity, non-chargeable, duplicate."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.admin import helpers

from accounts.entitlements import contract_incidents_used
from incidents.models import IncidentStatus, SeverityChange
from tests.conftest import NOW
from tests.factories import severity
from tests.incidents.test_admin_queue import CHANGELIST, change_url, file_incident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def incidents(organization, customer):
    return [
        file_incident(organization, customer, title="Posting stopped", sev="A", at=NOW - dt.timedelta(minutes=10)),
        file_incident(organization, customer, title="Bin codes blank", sev="B"),
    ]


def act(client, action, incidents, **extra):
    data = {"action": action, helpers.ACTION_CHECKBOX_NAME: [i.pk for i in incidents], **extra}
    return client.post(CHANGELIST, data)


def test_assign_to_me(client, engineer, incidents):
    client.force_login(engineer)
    response = act(client, "assign_to_me", incidents)
    assert response.status_code == 302
    for incident in incidents:
        incident.refresh_from_db()
        assert incident.assignee == engineer


def test_assign_to_someone_asks_whom_then_assigns(client, engineer, other_engineer, customer, incidents):
    client.force_login(engineer)
    page = act(client, "assign_to_someone", incidents)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Assign incidents" in content
    assert incidents[0].number in content
    assert incidents[1].number in content
    assert customer.email not in content  # only staff are offered
    response = act(client, "assign_to_someone", incidents, apply="1", assignee=other_engineer.pk)
    assert response.status_code == 302
    for incident in incidents:
        incident.refresh_from_db()
        assert incident.assignee == other_engineer


def test_record_initial_response_once(client, engineer, other_engineer, incidents):
    client.force_login(engineer)
    act(client, "record_initial_response", incidents[:1])
    incidents[0].refresh_from_db()
    assert incidents[0].first_response_at == NOW
    assert incidents[0].status == IncidentStatus.RESPONDED
    client.force_login(other_engineer)
    with time_machine.travel(NOW + dt.timedelta(minutes=3), tick=False):
        response = act(client, "record_initial_response", incidents[:1])
    incidents[0].refresh_from_db()
    assert incidents[0].first_response_at == NOW  # someone else got there first: unchanged
    assert incidents[0].assignee == engineer
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("already recorded" in m for m in messages)


def test_change_severity_needs_a_reason_and_recomputes_the_deadline(client, engineer, incidents):
    incident = incidents[1]  # Sev B, due 17:00 UTC (two business hours)
    client.force_login(engineer)
    form = act(client, "change_severity", [incident], apply="1", severity=severity("A").pk, reason="")
    assert form.status_code == 200
    assert "This field is required." in form.content.decode()
    response = act(
        client, "change_severity", [incident], apply="1", severity=severity("A").pk, reason="Production is down"
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.severity.code == "A"
    assert incident.response_due_at == NOW + dt.timedelta(minutes=60)  # 60 minutes, 24x7
    audit = SeverityChange.objects.get(incident=incident)
    assert (audit.reason, audit.changed_by, audit.previous_due_at) == (
        "Production is down",
        engineer,
        NOW + dt.timedelta(hours=2),
    )


def test_mark_non_chargeable_gives_the_incident_back_to_the_contract(client, engineer, incidents):
    contract = incidents[0].contract
    assert contract_incidents_used(contract) == 2
    client.force_login(engineer)
    act(client, "mark_non_chargeable", incidents[:1], apply="1", reason="Product defect")
    incidents[0].refresh_from_db()
    assert not incidents[0].is_chargeable
    assert incidents[0].non_chargeable_reason == "Product defect"
    assert contract_incidents_used(contract) == 1


def test_close_as_duplicate_of_another_incident(client, engineer, incidents):
    original, duplicate = incidents
    client.force_login(engineer)
    bad = act(client, "close_as_duplicate", [duplicate], apply="1", original="INC-1999-000001")
    assert "There is no incident INC-1999-000001." in bad.content.decode()
    act(client, "close_as_duplicate", [duplicate], apply="1", original=original.number)
    duplicate.refresh_from_db()
    assert duplicate.duplicate_of == original
    assert duplicate.status == IncidentStatus.CLOSED
    assert not duplicate.is_chargeable


def test_closing_an_incident_as_its_own_duplicate_is_refused(client, engineer, incidents):
    client.force_login(engineer)
    response = act(client, "close_as_duplicate", incidents[:1], apply="1", original=incidents[0].number)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("cannot be a duplicate of itself" in m for m in messages)
    incidents[0].refresh_from_db()
    assert incidents[0].status == IncidentStatus.NEW


def test_actions_started_on_the_incident_page_come_back_to_it(client, engineer, incidents):
    incident = incidents[0]
    client.force_login(engineer)
    url = CHANGELIST + "?status=all"
    back = change_url(incident)
    response = client.post(url, {"action": "assign_to_me", helpers.ACTION_CHECKBOX_NAME: [incident.pk], "next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    form = client.post(
        url, {"action": "mark_non_chargeable", helpers.ACTION_CHECKBOX_NAME: [incident.pk], "next": back}
    )
    assert f'name="next" value="{back}"' in form.content.decode()
    done = client.post(
        url,
        {
            "action": "mark_non_chargeable",
            helpers.ACTION_CHECKBOX_NAME: [incident.pk],
            "next": back,
            "apply": "1",
            "reason": "Cancelled",
        },
    )
    assert done["Location"] == back


def test_next_never_leaves_the_site(client, engineer, incidents):
    client.force_login(engineer)
    response = client.post(
        CHANGELIST,
        {"action": "assign_to_me", helpers.ACTION_CHECKBOX_NAME: [incidents[0].pk], "next": "https://evil.example/"},
    )
    assert response["Location"] != "https://evil.example/"


def test_a_viewer_without_change_permission_gets_no_actions(client, incidents):
    from tests.factories import StaffFactory

    auditor = StaffFactory(username="ann.auditor", group="Auditors")
    from django.contrib.auth.models import Permission

    auditor.user_permissions.add(Permission.objects.get(codename="view_incident"))
    client.force_login(auditor)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert 'value="assign_to_me"' not in response.content.decode()
    act(client, "assign_to_me", incidents)
    incidents[0].refresh_from_db()
    assert incidents[0].assignee is None
