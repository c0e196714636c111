"""The engineers' queue in the admin: order, clocks, filters, search, queries per page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Contract
from escalation.watcher import escalation_sweep
from incidents.models import Incident, IncidentStatus
from incidents.services import NewIncident, incident_assign, incident_create, incident_record_first_response
from tests.conftest import NOW
from tests.factories import ContractFactory, OrganizationFactory, severity

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:incidents_incident_changelist")


def change_url(incident: Incident) -> str:
    return reverse("admin:incidents_incident_change", args=[incident.pk])


def file_incident(
    organization,
    submitter,
    *,
    title: str = "Pick list prints blank bin codes",
    sev: str = "B",
    at: dt.datetime = NOW,
    preview: bool = False,
    ms_case: str = "",
) -> Incident:
    """File through the real service (deadline by the SLA clock) and let the watcher plan its
    steps, as its sweep does seconds later; allotments never run out here."""
    Contract.objects.filter(organization=organization).update(incidents_allotted=1000)
    incident = incident_create(
        organization=organization,
        submitted_by=submitter,
        data=NewIncident(
            title=title,
            description="After the upgrade the pick list shows no bin codes.",
            severity=severity(sev),
            is_preview_feature=preview,
            microsoft_case_number=ms_case,
        ),
        now=at,
    ).incident
    escalation_sweep(now=at)
    incident.refresh_from_db()
    return incident


def numbers(response) -> list[str]:
    return [incident.number for incident in response.context["cl"].result_list]


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def queue(organization, customer, engineer):
    """Fabrikam (North America, Professional Direct) at Monday 07:00 in Los Angeles."""
    breached = file_incident(organization, customer, title="Posting stopped", sev="A", at=NOW - dt.timedelta(hours=2))
    warning = file_incident(  # past the policy's warning step (75 % of 60 minutes)
        organization, customer, title="Shipping labels wrong", sev="A", at=NOW - dt.timedelta(minutes=50)
    )
    on_track = file_incident(organization, customer, title="Bin codes blank", sev="B", at=NOW)
    preview = file_incident(organization, customer, title="Preview: AI put-away", sev="C", preview=True)
    met = file_incident(organization, customer, title="Cross-docking question", sev="C", at=NOW - dt.timedelta(hours=5))
    incident_record_first_response(incident=met, by=engineer, now=NOW - dt.timedelta(hours=4))
    return {"breached": breached, "warning": warning, "on_track": on_track, "preview": preview, "met": met}


def test_unresponded_incidents_come_first_by_deadline_then_the_rest(client, engineer, queue):
    client.force_login(engineer)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert numbers(response) == [
        queue["breached"].number,
        queue["warning"].number,
        queue["on_track"].number,
        queue["preview"].number,  # unresponded, but no deadline: last of the unresponded
        queue["met"].number,
    ]


def test_the_due_in_column_is_colour_coded_and_says_it_in_words(client, engineer, queue):
    client.force_login(engineer)
    content = client.get(CHANGELIST).content.decode()
    assert 'class="sla-clock sla-breached"' in content
    assert "Breached 1 h 00 min ago" in content
    assert 'class="sla-clock sla-warning"' in content
    assert "in 10 min" in content
    assert 'class="sla-clock sla-running"' in content
    assert "in 2 h 00 min" in content  # due 09:00 in Los Angeles, two business hours after 07:00
    assert 'class="sla-clock sla-met"' in content
    assert 'data-due="2026-11-23T14:00:00+00:00"' in content  # what static/js/queue.js counts down to
    # The instants at which the server's state changes, for static/js/queue.js to switch to:
    # the on-track Sev B incident turns to warning at 75 % of its 120 business minutes.
    assert 'data-warning-at="2026-11-23T16:30:00+00:00" data-breached-at="2026-11-23T17:00:00+00:00"' in content
    assert 'data-state="met" data-due="2026-11-23T18:00:00+00:00" data-warning-at="" data-breached-at=""' in content
    assert '<script src="/static/js/queue.js"></script>' in content
    assert 'id="sla-clock-config"' in content


def test_due_times_are_shown_in_the_engineers_time_zone(client, engineer, queue):
    engineer.staff_profile.time_zone = "Asia/Tokyo"
    engineer.staff_profile.save()
    client.force_login(engineer)
    content = client.get(CHANGELIST).content.decode()
    # The Sev B deadline is 17:00 UTC = Tue 02:00 in Tokyo.
    assert "Tue 02:00" in content
    assert 'title="2026-11-24 02:00 JST"' in content


def test_closed_incidents_leave_the_queue_but_all_shows_them(client, engineer, organization, customer):
    from incidents.services import incident_transition

    closed = file_incident(organization, customer, title="Old question", sev="C", at=NOW - dt.timedelta(days=3))
    incident_transition(incident=closed, to_status=IncidentStatus.CLOSED, by=engineer, now=NOW)
    client.force_login(engineer)
    assert closed.number not in numbers(client.get(CHANGELIST))
    assert closed.number in numbers(client.get(CHANGELIST + "?status=all"))
    assert numbers(client.get(CHANGELIST + "?status=closed")) == [closed.number]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("clock=breached", ["breached"]),
        ("clock=warning", ["warning"]),
        ("severity__id__exact={A}", ["breached", "warning"]),
        ("status=responded", ["met"]),
    ],
)
def test_filters_narrow_the_queue(client, engineer, queue, query, expected):
    query = query.format(A=severity("A").pk)
    client.force_login(engineer)
    assert numbers(client.get(f"{CHANGELIST}?{query}")) == [queue[name].number for name in expected]


def test_assigned_to_me_and_unassigned(client, engineer, other_engineer, queue):
    incident_assign(incident=queue["on_track"], assignee=engineer, by=engineer, now=NOW)
    incident_assign(incident=queue["warning"], assignee=other_engineer, by=other_engineer, now=NOW)
    client.force_login(engineer)
    assert numbers(client.get(CHANGELIST + "?assigned=me")) == [
        queue["on_track"].number,
        queue["met"].number,  # the initial response assigned it to the responder
    ]
    assert numbers(client.get(CHANGELIST + "?assigned=none")) == [queue["breached"].number, queue["preview"].number]


def test_plan_and_region_filters(client, engineer, queue, other_organization, outsider, sla):
    german = file_incident(other_organization, outsider, title="Lagerplatz", sev="B")
    client.force_login(engineer)
    by_region = numbers(client.get(f"{CHANGELIST}?region__id__exact={sla['regions']['germany'].pk}"))
    by_plan = numbers(client.get(f"{CHANGELIST}?plan__id__exact={sla['plans']['subscription'].pk}"))
    assert by_region == [german.number]
    assert by_plan == [german.number]


@pytest.mark.parametrize(
    "term", ["{number}", "{lower}", "{id}", "{zeros}", "Bin codes", "fabrikam", "2611220040001234"]
)
def test_search_by_number_title_organisation_and_microsoft_case(client, engineer, organization, customer, term):
    wanted = file_incident(organization, customer, title="Bin codes blank", ms_case="2611220040001234")
    file_incident(organization, customer, title="Something else entirely", sev="C")
    other_org = OrganizationFactory(name="Litware Ltd")
    ContractFactory(organization=other_org)
    client.force_login(engineer)
    shown = term.format(number=wanted.number, lower=wanted.number.lower(), id=wanted.pk, zeros=f"{wanted.pk:06d}")
    found = numbers(client.get(CHANGELIST, {"q": shown}))
    if term == "fabrikam":
        assert wanted.number in found
        assert len(found) == 2
    else:
        assert found == [wanted.number]


def _changelist_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_changelist_costs_the_same_queries_for_3_or_40_rows(
    client, engineer, organization, customer, other_organization, outsider, django_assert_max_num_queries
):
    client.force_login(engineer)
    for i in range(3):
        file_incident(organization, customer, title=f"Small {i}", sev="ABC"[i % 3])
    few = _changelist_queries(client)
    for i in range(37):
        incident = file_incident(
            organization if i % 2 else other_organization,
            customer if i % 2 else outsider,
            title=f"Big {i}",
            sev="ABC"[i % 3],
        )
        if i % 3 == 0:
            incident_assign(incident=incident, assignee=engineer, by=engineer, now=NOW)
    many = _changelist_queries(client)
    assert many == few
    with django_assert_max_num_queries(16):
        client.get(CHANGELIST + "?clock=breached&assigned=none")


def test_customers_and_anonymous_people_do_not_get_the_queue(client, customer):
    assert client.get(CHANGELIST).status_code == 302  # to the admin login
    client.force_login(customer)
    assert client.get(CHANGELIST).status_code == 302


def test_engineers_cannot_add_or_delete_incidents(client, engineer, queue):
    client.force_login(engineer)
    assert client.get(reverse("admin:incidents_incident_add")).status_code == 403
    assert client.get(reverse("admin:incidents_incident_delete", args=[queue["met"].pk])).status_code == 403


def test_a_reopened_incident_is_back_in_the_queue(client, engineer, organization, customer):
    from incidents.services import incident_transition

    incident = file_incident(organization, customer, title="Came back after the fix", sev="C")
    incident_transition(incident=incident, to_status=IncidentStatus.RESOLVED, by=engineer, now=NOW)
    incident_transition(incident=incident, to_status=IncidentStatus.CLOSED, by=engineer, now=NOW)
    client.force_login(engineer)
    assert incident.number not in numbers(client.get(CHANGELIST))
    incident_transition(incident=incident, to_status=IncidentStatus.IN_PROGRESS, by=engineer, now=NOW)
    assert incident.number in numbers(client.get(CHANGELIST))
