"""A submission's hot path: emails from a task on commit, one SLA snapshot per process
(checked against the policy's version), and no query more than needed."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from escalation.watcher import incident_next_check_compute
from incidents.models import Incident
from incidents.services import NewIncident, incident_create, incident_submit
from sla import businesshours, clock
from sla.models import DateException, OpeningInterval, ResponseTarget
from tests.conftest import NOW
from tests.factories import severity

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=True):
        yield


def uncached_deadline(*, plan, severity, region, at) -> dt.datetime:
    """The deadline the way it was computed before the snapshot: every row loaded afresh."""
    target = ResponseTarget.objects.get(plan=plan, severity=severity)
    calendar = clock.target_calendar(target, region, at)
    return businesshours.add_business_time(calendar, at, target.duration)


def submit(organization, customer, *, token=None) -> Incident:
    incident, created = incident_submit(
        organization=organization,
        submitted_by=customer,
        data=NewIncident(title="Bin codes", description="x", severity=severity("B"), product_text="CAW 24.3"),
        submission_token=token or uuid.uuid4(),
        now=NOW,
    )
    assert created
    return incident


# --- The SLA snapshot: same deadlines, one query, invalidated by policy changes -----------


@pytest.mark.parametrize("plan_code", ["premier", "professional-direct"])
@pytest.mark.parametrize("severity_code", ["A", "B", "C"])
@pytest.mark.parametrize("region_code", ["north-america", "japan", "germany"])
def test_cached_deadlines_equal_the_uncached_computation(sla, plan_code, severity_code, region_code):
    plan = sla["plans"][plan_code]
    sev = sla["severities"][severity_code]
    region = sla["regions"].get(region_code)
    if region is None:
        pytest.skip(f"no region {region_code} in the seeded policy")
    for at in (NOW, NOW + dt.timedelta(days=31, hours=9), dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)):
        expected = uncached_deadline(plan=plan, severity=sev, region=region, at=at)
        for _ in range(2):  # the first call may build the snapshot, the second reuses it
            deadline = clock.deadline_compute(plan=plan, severity=sev, region=region, submitted_at=at)
            assert deadline.due_at == expected


def test_a_deadline_from_the_snapshot_costs_one_query(sla, django_assert_num_queries):
    args = {
        "plan": sla["plans"]["premier"],
        "severity": sla["severities"]["B"],
        "region": sla["regions"]["north-america"],
        "submitted_at": NOW,
    }
    clock.deadline_compute(**args)
    with django_assert_num_queries(1):
        deadline = clock.deadline_compute(**args)
    with django_assert_num_queries(0):
        assert deadline.target.plan.code == "premier"  # the related rows come with it


def test_a_holiday_added_in_another_process_moves_the_deadline(sla, monkeypatch):
    """Another process's write fires no signal here: the history version must catch it."""
    region = sla["regions"]["north-america"]
    plan, sev = sla["plans"]["professional-direct"], sla["severities"]["C"]
    before = sla_deadline(plan, sev, region)
    generation = clock._generation
    DateException.objects.create(region=region, on=NOW.date(), kind=DateException.Kind.CLOSED, note="Closed")
    monkeypatch.setattr(clock, "_generation", generation)  # as if written elsewhere
    after = sla_deadline(plan, sev, region)
    assert after == uncached_deadline(plan=plan, severity=sev, region=region, at=NOW)
    assert after > before


def test_changed_opening_hours_are_used_at_once(sla):
    region = sla["regions"]["north-america"]
    plan, sev = sla["plans"]["professional-direct"], sla["severities"]["C"]
    before = sla_deadline(plan, sev, region)
    OpeningInterval.objects.filter(region=region, weekday=NOW.weekday()).delete()
    after = sla_deadline(plan, sev, region)
    assert after == uncached_deadline(plan=plan, severity=sev, region=region, at=NOW)
    assert after != before


def test_a_target_updated_without_history_is_still_read_fresh(sla):
    plan, sev, region = sla["plans"]["premier"], sla["severities"]["B"], sla["regions"]["north-america"]
    sla_deadline(plan, sev, region)
    ResponseTarget.objects.filter(plan=plan, severity=sev).update(minutes=1)
    assert sla_deadline(plan, sev, region) == uncached_deadline(plan=plan, severity=sev, region=region, at=NOW)


def sla_deadline(plan, sev, region) -> dt.datetime:
    return clock.deadline_compute(plan=plan, severity=sev, region=region, submitted_at=NOW).due_at


# --- The watcher on submission: the deadline's calendar, no repeated queries ---------------


def test_the_next_check_on_submission_equals_a_fresh_computation(organization, customer):
    incident = submit(organization, customer)
    incident.refresh_from_db()
    assert incident.next_check_at is not None
    assert incident.next_check_at == incident_next_check_compute(incident)


def test_filing_an_incident_stays_within_its_query_budget(organization, customer, sla):
    data = NewIncident(title="Bin codes", description="x", severity=severity("B"), product_text="CAW 24.3")
    incident_create(organization=organization, submitted_by=customer, data=data, now=NOW)  # warms the snapshot
    organization.refresh_from_db()
    with CaptureQueriesContext(connection) as queries:
        incident_create(
            organization=organization, submitted_by=customer, data=data, submission_token=uuid.uuid4(), now=NOW
        )
    sql = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # The target and the policy version in one query; no region, interval, exception or
    # fired-step lookups (the deadline's calendar is handed to the watcher).
    assert sum("sla_responsetarget" in s for s in sql) == 1
    assert not any('FROM "sla_openinginterval"' in s for s in sql)
    assert not any('FROM "sla_dateexception"' in s for s in sql)
    assert not any('FROM "escalation_escalationevent"' in s for s in sql)
    # + the endpoints subscribed to incident.created (the outbox's webhooks).
    assert len(sql) <= 9, "\n".join(sql)


# --- The whole POST: one user query, no configuration queries once the snapshots hold ------


def form_post(client, **overrides):
    data = {
        "submission_token": str(uuid.uuid4()),
        "title": "Pick list prints blank bin codes",
        "description": "Blank bin codes",
        "product_text": "Contoso Advanced Warehousing 24.3",
        "kind": "break_fix",
    }
    data.update(overrides)
    if "severity" not in data:
        data["severity"] = severity("B").pk
    return client.post(reverse("incidents:new"), data)


def test_the_submission_post_stays_within_its_query_budget(client, customer, sla):
    client.force_login(customer)
    assert form_post(client).status_code == 302  # warms the SLA and watcher snapshots
    severity_b = severity("B").pk
    with CaptureQueriesContext(connection) as queries:
        assert form_post(client, severity=severity_b).status_code == 302
    sql = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    text = "\n".join(sql)
    # The user with membership, organisation and region; the severity; the contract (with
    # its plan) and its count; the target with the configuration version; the incident, its
    # history row, its number, its status row; the outbox: the subscribed endpoints, the
    # admins who want the new-incident emails and one insert of the emails. The session
    # comes from the cache.
    assert len(sql) <= 12, text
    assert sum('FROM "auth_user"' in s for s in sql) == 1
    assert not any('FROM "accounts_organization"' in s for s in sql), text
    # Only the organisation's admins who want the new-incident emails (the outbox's rows).
    assert sum('FROM "accounts_membership"' in s for s in sql) == 1, text
    assert not any('FROM "sla_supportplan"' in s or 'FROM "sla_supportregion"' in s for s in sql), text
    assert not any('FROM "django_session"' in s for s in sql), text
    assert not any("escalation_escalationpolicy" in s for s in sql), text
    assert not any('FROM "lifecycle_productversion"' in s for s in sql), text  # a product was named


def test_a_double_submit_after_the_last_incident_was_used_answers_with_the_first(client, customer, organization):
    from accounts.models import Contract

    Contract.objects.filter(organization=organization).update(incidents_allotted=1)
    client.force_login(customer)
    token = str(uuid.uuid4())
    first = form_post(client, submission_token=token)
    second = form_post(client, submission_token=token)  # the contract has none left now
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Incident.objects.count() == 1
    third = form_post(client)  # a new form gets the clear page
    assert third["Location"] == reverse("incidents:cannot_submit")


# --- The watcher's configuration snapshot: changes elsewhere are seen at once -------------


def test_a_policy_step_added_in_another_process_moves_the_next_check(organization, customer, monkeypatch):
    from escalation import watcher
    from escalation.models import EscalationPolicy, EscalationStep, StepKind

    first = submit(organization, customer)
    first.refresh_from_db()
    policy = EscalationPolicy.objects.get(severity=severity("B"), plan__isnull=True)
    generation = watcher._config_generation
    EscalationStep.objects.create(policy=policy, kind=StepKind.WARNING, name="Early look", percent_of_target=10)
    monkeypatch.setattr(watcher, "_config_generation", generation)  # as if written elsewhere
    second = submit(organization, customer)
    second.refresh_from_db()
    assert second.next_check_at == incident_next_check_compute(second)
    assert second.next_check_at < first.next_check_at  # 10 % of the target comes first


def test_a_webhook_endpoint_added_in_another_process_gets_the_next_incident(organization, customer, monkeypatch):
    from escalation import watcher
    from notify.models import Delivery, WebhookEndpoint

    submit(organization, customer)  # warms the snapshot without endpoints
    generation = watcher._config_generation
    endpoint = WebhookEndpoint.objects.create(name="Team", url="https://hooks.example/in", on_created=True)
    monkeypatch.setattr(watcher, "_config_generation", generation)
    incident = submit(organization, customer)
    assert list(
        Delivery.objects.filter(reference=incident.number, channel="webhook").values_list("endpoint", "event")
    ) == [(endpoint.pk, "incident.created")]


def test_an_inactive_or_unsubscribed_endpoint_gets_nothing(organization, customer):
    from notify.models import Delivery, WebhookEndpoint

    WebhookEndpoint.objects.create(name="Off", url="https://hooks.example/off", on_created=True, is_active=False)
    WebhookEndpoint.objects.create(name="Escalations only", url="https://hooks.example/esc", on_created=False)
    incident = submit(organization, customer)
    assert not Delivery.objects.filter(reference=incident.number, channel="webhook").exists()
