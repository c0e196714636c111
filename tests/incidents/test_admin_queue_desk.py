"""The engineer's desk: the urgency order, the saved views, the live poll, the landing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from incidents.models import EscalationEntry, Incident
from incidents.services import comment_add, incident_assign, incident_record_first_response
from tests.conftest import NOW
from tests.incidents.test_admin_queue import file_incident, numbers

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:incidents_incident_changelist")
POLL = reverse("admin:incidents_incident_poll")


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def hand_built(organization, customer, *, title: str, sev: str, due_in: int | None, warn_in: int | None, age: int):
    """An unanswered incident filed `age` minutes ago, due and warned at the given minutes
    from now (negative: passed), set by hand so that the rule alone decides."""
    incident = file_incident(organization, customer, title=title, sev=sev, at=NOW - dt.timedelta(minutes=age))
    minutes = lambda m: None if m is None else NOW + dt.timedelta(minutes=m)  # noqa: E731
    Incident.objects.filter(pk=incident.pk).update(
        response_due_at=minutes(due_in), response_warning_at=minutes(warn_in)
    )
    return incident


@pytest.fixture
def desk(organization, customer, engineer):
    made = {
        "b_breached_long": hand_built(
            organization, customer, title="B breached long ago", sev="B", due_in=-300, warn_in=-400, age=600
        ),
        "c_breached": hand_built(organization, customer, title="C breached", sev="C", due_in=-10, warn_in=-60, age=300),
        "a_warning": hand_built(
            organization, customer, title="A due in 43 min", sev="A", due_in=43, warn_in=-2, age=17
        ),
        "a_breached": hand_built(organization, customer, title="A breached", sev="A", due_in=-5, warn_in=-20, age=65),
        "a_running": hand_built(organization, customer, title="A on track", sev="A", due_in=50, warn_in=20, age=10),
        "b_running": hand_built(organization, customer, title="B on track", sev="B", due_in=30, warn_in=10, age=200),
        "b_same_due_older": hand_built(
            organization, customer, title="B same due, older", sev="B", due_in=30, warn_in=10, age=400
        ),
        "c_preview": hand_built(organization, customer, title="C preview", sev="C", due_in=None, warn_in=None, age=5),
    }
    answered = hand_built(organization, customer, title="A answered", sev="A", due_in=-100, warn_in=-120, age=800)
    incident_record_first_response(incident=answered, by=engineer, now=NOW - dt.timedelta(minutes=790))
    made["answered"] = answered
    return made


def test_the_queue_follows_the_written_urgency_rule(client, engineer, desk):
    """A Severity A past its warning step or breached first (by deadline), then every other
    unanswered incident by deadline (breached first, whatever the severity), then age;
    unanswered without a deadline; then the answered ones."""
    client.force_login(engineer)
    assert numbers(client.get(CHANGELIST)) == [
        desk[name].number
        for name in (
            "a_breached",
            "a_warning",  # the Severity A due in 43 minutes is above the breached B and C
            "b_breached_long",
            "c_breached",
            "b_same_due_older",  # same deadline: the older one first
            "b_running",
            "a_running",  # a Severity A not yet at risk ranks by its deadline like any other
            "c_preview",
            "answered",
        )
    ]


def test_rows_say_their_state_in_words(client, engineer, desk):
    content = (client.force_login(engineer), client.get(CHANGELIST))[1].content.decode()
    for state, words in (("breached", "Breached"), ("warning", "in 43 min"), ("running", "in 50 min"), ("met", "")):
        assert f'class="sla-clock sla-{state}"' in content
        assert words in content
    # A running clock says whether it is at risk in words too, not by colour alone.
    assert '<span class="sla-clock-state">Warning</span>' in content
    assert '<span class="sla-clock-state">On track</span>' in content


def test_the_saved_views_are_tabs_above_the_queue(client, engineer):
    client.force_login(engineer)
    content = client.get(CHANGELIST).content.decode()
    for label in (
        "All open",
        "Mine",
        "Unassigned",
        "Due in the next hour",
        "Breached",
        "Escalated",
        "Customer replied",
    ):
        assert f">{label}</a>" in content
    assert 'href="/admin/incidents/incident/?view=mine"' in content


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ("mine", {"a_warning", "b_running"}),
        ("unassigned", {"b_breached_long", "c_breached", "a_running", "b_same_due_older", "c_preview"}),
        ("due_soon", {"a_warning", "a_running", "b_running", "b_same_due_older"}),
        ("breached", {"b_breached_long", "c_breached"}),
        ("escalated", {"c_breached"}),
        ("replied", {"b_running"}),
    ],
)
def test_each_saved_view_filters_the_queue(client, engineer, other_engineer, customer, desk, view, expected):
    for name in ("a_warning", "b_running"):
        incident_assign(incident=desk[name], assignee=engineer, by=engineer, now=NOW)
    incident_assign(incident=desk["answered"], assignee=other_engineer, by=other_engineer, now=NOW)
    EscalationEntry.objects.all().delete()  # the sweeps of the set-up fired some: start clean
    EscalationEntry.objects.create(incident=desk["c_breached"], kind="level", title="Level 2", fired_at=NOW)
    EscalationEntry.objects.create(incident=desk["a_running"], kind="warning", title="Warning", fired_at=NOW)
    comment_add(incident=desk["b_running"], author=customer, body="Any news?", now=NOW)  # the customer's turn
    comment_add(incident=desk["c_breached"], author=customer, body="Still broken", now=NOW - dt.timedelta(minutes=5))
    comment_add(incident=desk["c_breached"], author=engineer, body="Looking", visibility="internal", now=NOW)
    comment_add(incident=desk["a_breached"], author=customer, body="Hello?", now=NOW - dt.timedelta(minutes=3))
    comment_add(incident=desk["a_breached"], author=other_engineer, body="On it", now=NOW)  # answered
    client.force_login(engineer)
    found = set(numbers(client.get(CHANGELIST, {"view": view})))
    assert found == {desk[name].number for name in expected} | (
        {desk["c_breached"].number} if view == "replied" else set()
    )


def test_the_poll_costs_the_same_few_queries_for_a_short_or_a_long_queue(
    client, engineer, organization, customer, django_assert_max_num_queries
):
    client.force_login(engineer)
    file_incident(organization, customer, title="One")
    with django_assert_max_num_queries(6) as few:
        first = client.get(POLL).json()
    for i in range(30):
        file_incident(organization, customer, title=f"More {i}", sev="ABC"[i % 3])
    with django_assert_max_num_queries(6) as many:
        second = client.get(POLL).json()
    assert len(many.captured_queries) == len(few.captured_queries)
    assert second["waiting"] == first["waiting"] + 30
    assert second["stamp"] != first["stamp"]


def test_the_poll_stamp_moves_on_a_new_incident_or_a_customer_reply_only(client, engineer, organization, customer):
    client.force_login(engineer)
    incident = file_incident(organization, customer, title="One")
    stamp = client.get(POLL).json()["stamp"]
    assert client.get(POLL).json()["stamp"] == stamp
    comment_add(incident=incident, author=customer, body="More detail", now=NOW)
    replied = client.get(POLL).json()["stamp"]
    assert replied != stamp
    file_incident(organization, customer, title="Two")
    assert client.get(POLL).json()["stamp"] != replied


def test_the_queue_page_carries_the_poll_and_the_keys(client, engineer):
    client.force_login(engineer)
    content = client.get(CHANGELIST).content.decode()
    assert f'data-poll-url="{POLL}"' in content
    assert "js/queue_live.js" in content
    assert 'id="queue-keys-help"' in content
    assert "<script>" not in content  # behaviour lives in static/js (the CSP allows no inline script)


def test_customers_do_not_get_the_poll(client, customer):
    client.force_login(customer)
    assert client.get(POLL).status_code == 302


def test_staff_signing_in_to_the_admin_land_on_the_queue(client):
    response = client.get(reverse("admin:login"), {"next": reverse("admin:index")})
    assert response.context["next"] == CHANGELIST
    assert client.get(reverse("admin:login")).context["next"] == CHANGELIST
    # A page asked for by name is kept.
    assert client.get(reverse("admin:login"), {"next": "/admin/auth/user/"}).context["next"] == "/admin/auth/user/"


def test_signing_in_redirects_to_the_queue(client, engineer):
    from tests.factories import PASSWORD

    response = client.post(
        reverse("admin:login") + "?next=/admin/", {"username": engineer.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert CHANGELIST in response.url
