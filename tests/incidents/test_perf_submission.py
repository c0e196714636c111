"""A submission's hot path: the deadline from a calendar cached by region version, the
escalation steps and the outbox's rows (created webhook, new-incident e-mails) left to the
watcher's sweep, and no query more than needed."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Incident
from incidents.services import NewIncident, incident_create
from incidents.services.customer import incident_submit
from tests.conftest import NOW
from tests.factories import severity

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=True):
        yield


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


# --- The request does only the incident's own work -----------------------------------------


def test_a_submission_stores_the_target_and_leaves_the_steps_to_the_watcher(organization, customer):
    incident = submit(organization, customer)
    incident.refresh_from_db()
    # Professional Direct, Severity B: 120 business minutes from Monday 07:00 in Los Angeles.
    assert (incident.response_target_minutes, incident.response_target_coverage) == (120, "business_hours")
    assert incident.response_due_at == NOW + dt.timedelta(hours=2)
    assert incident.next_check_at == NOW  # the sweep plans the steps
    assert incident.response_warning_at is None


def test_filing_an_incident_stays_within_its_query_budget(organization, customer, sla):
    data = NewIncident(title="Bin codes", description="x", severity=severity("B"), product_text="CAW 24.3")
    incident_create(organization=organization, submitted_by=customer, data=data, now=NOW)  # keeps the region's SLA
    organization = type(organization).objects.select_related("region").get(pk=organization.pk)  # as a request loads it
    with CaptureQueriesContext(connection) as queries:
        incident_create(
            organization=organization, submitted_by=customer, data=data, submission_token=uuid.uuid4(), now=NOW
        )
    sql = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # The contract's lock and count; the incident and its history row (its number is made
    # from its id: no second write). The target and the calendar are kept by the region's
    # version; no escalation planning: no policy, step or fired-step lookups; no status row
    # (filing is no status move).
    assert not any('FROM "sla_' in s for s in sql), "\n".join(sql)
    assert not any("escalation_escalationpolicy" in s or "escalation_escalationstep" in s for s in sql)
    assert not any('FROM "escalation_escalationevent"' in s for s in sql)
    assert not any("incidents_statuschange" in s for s in sql)
    assert not any(s.startswith("UPDATE") for s in sql), "\n".join(sql)
    assert len(sql) <= 4, "\n".join(sql)


# --- The whole POST: one user query, no escalation planning ---------------------------------


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
    assert form_post(client).status_code == 302  # caches the region's calendar
    severity_b = severity("B").pk
    with CaptureQueriesContext(connection) as queries:
        assert form_post(client, severity=severity_b).status_code == 302
    sql = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    text = "\n".join(sql)
    # The user with membership, organisation and region; the contract's lock and count; the
    # incident and its history row (no status row: filing is no status move). The
    # severities and the target are kept by the region's version; the session comes from the
    # cache; the outbox's rows (the created webhook, the new-incident e-mails) are the
    # watcher's next sweep's work.
    assert len(sql) <= 5, text
    assert not any('FROM "sla_' in s for s in sql), text
    assert sum('FROM "auth_user"' in s for s in sql) == 1
    assert not any('FROM "accounts_organization"' in s for s in sql), text
    assert not any('"accounts_membership"' in s for s in sql[1:]), text
    assert not any('FROM "notify_' in s or 'INTO "notify_' in s for s in sql), text
    assert not any('FROM "sla_supportplan"' in s or 'FROM "sla_supportregion"' in s for s in sql), text
    assert not any('FROM "django_session"' in s for s in sql), text
    assert not any("escalation_escalationpolicy" in s or "escalation_escalationstep" in s for s in sql), text
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


def test_a_deadlock_is_retried_once_in_the_service_not_shown_to_the_client(organization, customer):
    """PostgreSQL picked the submission as a deadlock's victim (SQLSTATE 40P01): the service
    files it again once, and the client gets its incident, not a 503."""
    from django.db import OperationalError

    class DeadlockDetected(Exception):
        sqlstate = "40P01"

    failures = []

    def deadlock_once(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "incidents_incident"') and not failures:
            failures.append(sql)
            raise OperationalError("deadlock detected") from DeadlockDetected()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(deadlock_once):
        incident = submit(organization, customer)
    assert len(failures) == 1
    assert Incident.objects.get() == incident
