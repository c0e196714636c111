"""A submission's hot path: emails from a task on commit, the deadline from a calendar cached
by region version, the escalation steps left to the watcher, and no query more than needed."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import tasks
from incidents.models import Incident
from incidents.services import NewIncident, incident_create, incident_submit
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


# --- The new-incident emails: a Celery task enqueued on commit ---------------------------


def test_the_email_task_is_named_acks_late_and_time_limited():
    task = tasks.submitted_emails_send
    assert task.name == "incidents.submitted_emails_send"
    assert task.acks_late is True
    assert task.soft_time_limit < task.time_limit


def test_a_submission_enqueues_the_email_task_with_the_incident_id_once_committed(
    organization, customer, monkeypatch, django_capture_on_commit_callbacks
):
    enqueued = []
    monkeypatch.setattr(tasks.submitted_emails_send, "delay", lambda *args: enqueued.append(args))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        incident = submit(organization, customer)
    assert enqueued == []  # nothing before the commit
    assert mail.outbox == []  # and no email on the request
    for callback in callbacks:
        callback()
    assert enqueued == [(incident.pk,)]


def test_the_task_sends_each_recipient_one_email_and_a_redelivery_sends_none(
    organization, customer, customer_admin, settings
):
    incident = submit(organization, customer)
    assert tasks.submitted_emails_send(incident.pk) == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [customer.email, customer_admin.email, settings.SUPPORT_TEAM_EMAIL]
    )
    assert tasks.submitted_emails_send(incident.pk) == 0  # redelivered after a lost worker
    assert len(mail.outbox) == 3


def test_the_task_for_a_missing_incident_sends_nothing():
    assert tasks.submitted_emails_send(987_654) == 0
    assert mail.outbox == []


def test_a_failed_send_stays_pending_under_its_lease_and_the_resend_sends_it_after(
    organization, customer, monkeypatch, settings
):
    from incidents import notifications

    incident = submit(organization, customer)

    class Down:
        def send_messages(self, messages):
            raise OSError("mail server down")

    monkeypatch.setattr(notifications, "get_connection", lambda: Down())
    assert notifications.incident_submitted_notify_once(incident.pk, now=NOW) == 0
    monkeypatch.undo()
    incident.refresh_from_db()
    assert incident.emails_pending is True
    assert incident.emails_lease_until == NOW + dt.timedelta(seconds=settings.INCIDENT_EMAILS_LEASE_SECONDS)
    # Meanwhile the lease keeps another run (a second worker, a redelivery) from sending.
    assert notifications.incident_submitted_notify_once(incident.pk, now=NOW + dt.timedelta(seconds=10)) == 0
    assert notifications.submitted_emails_overdue(now=incident.emails_lease_until) == []
    after = incident.emails_lease_until + dt.timedelta(seconds=1)
    assert notifications.submitted_emails_overdue(now=after) == [incident.pk]
    assert notifications.incident_submitted_notify_once(incident.pk, now=after) == 2  # the submitter and the team
    incident.refresh_from_db()
    assert (incident.emails_pending, incident.emails_lease_until) == (False, None)
    assert notifications.submitted_emails_overdue(now=after + dt.timedelta(hours=1)) == []


def test_the_resend_takes_only_pending_emails_well_after_their_submission(organization, customer, settings):
    from incidents import notifications

    settings.INCIDENT_EMAILS_RESEND_AFTER_SECONDS = 120
    pending = submit(organization, customer)
    sent = submit(organization, customer)
    assert tasks.submitted_emails_send(sent.pk) == 2
    seeded = incident_create(  # e.g. the demo data: no emails were ever due
        organization=organization,
        submitted_by=customer,
        data=NewIncident(title="Seeded", description="x", severity=severity("C"), product_text="CAW"),
        now=NOW,
    )
    assert seeded.emails_pending is False
    assert pending.emails_pending is True
    assert notifications.submitted_emails_overdue(now=NOW + dt.timedelta(seconds=119)) == []  # the task's turn
    assert notifications.submitted_emails_overdue(now=NOW + dt.timedelta(seconds=120)) == [pending.pk]
    assert notifications.submitted_emails_overdue(now=NOW + dt.timedelta(seconds=120), limit=0) == []


def test_the_resend_task_enqueues_each_overdue_incident_once(organization, customer, monkeypatch, settings):
    settings.INCIDENT_EMAILS_RESEND_AFTER_SECONDS = 0
    first = submit(organization, customer)
    second = submit(organization, customer)
    enqueued = []
    monkeypatch.setattr(tasks.submitted_emails_send, "delay", lambda *args: enqueued.append(args))
    assert tasks.submitted_emails_resend() == 2
    assert sorted(enqueued) == sorted([(first.pk,), (second.pk,)])


def test_the_resend_runs_from_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["incident-emails-resend"]
    assert entry["task"] == tasks.submitted_emails_resend.name == "incidents.submitted_emails_resend"
    assert entry["schedule"] == settings.INCIDENT_EMAILS_RESEND_SECONDS
    assert entry["options"]["expires"] < entry["schedule"]


def test_an_incident_without_recipients_is_done_after_one_run(organization, customer, settings):
    settings.SUPPORT_TEAM_EMAIL = ""
    type(customer).objects.filter(pk=customer.pk).update(email="")
    incident = submit(organization, customer)
    assert tasks.submitted_emails_send(incident.pk) == 0
    incident.refresh_from_db()
    assert incident.emails_pending is False  # nothing to send is not a failure to retry forever


def test_the_task_runs_eagerly_through_the_form_and_mails_the_submitter(
    client, customer, django_capture_on_commit_callbacks
):
    from portal.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        client.force_login(customer)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("incidents:new"),
                {
                    "submission_token": str(uuid.uuid4()),
                    "title": "Pick list",
                    "description": "Blank bin codes",
                    "product_text": "CAW 24.3",
                    "severity": severity("B").pk,
                    "kind": "break_fix",
                },
            )
    finally:
        app.conf.task_always_eager = before
    assert response.status_code == 302
    incident = Incident.objects.get()
    [to_submitter] = [m for m in mail.outbox if m.to == [customer.email]]
    assert incident.number in to_submitter.subject


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
    incident_create(organization=organization, submitted_by=customer, data=data, now=NOW)  # caches the calendar
    organization.refresh_from_db()
    with CaptureQueriesContext(connection) as queries:
        incident_create(
            organization=organization, submitted_by=customer, data=data, submission_token=uuid.uuid4(), now=NOW
        )
    sql = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # The target, read fresh; the region's calendar from the cache (keyed by its version);
    # no escalation planning: no policy, step or fired-step lookups.
    assert sum("sla_responsetarget" in s for s in sql) == 1
    assert not any('FROM "sla_openinginterval"' in s for s in sql)
    assert not any('FROM "sla_dateexception"' in s for s in sql)
    assert not any("escalation_escalationpolicy" in s or "escalation_escalationstep" in s for s in sql)
    assert not any('FROM "escalation_escalationevent"' in s for s in sql)
    assert len(sql) <= 9, "\n".join(sql)


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
    # The user with membership, organisation and region; the severity; the contract (with
    # its plan) and its count; the target; the incident, its history row, its number, its
    # status row; the webhook endpoints. The session comes from the cache.
    assert len(sql) <= 10, text
    assert sum('FROM "auth_user"' in s for s in sql) == 1
    assert not any('FROM "accounts_membership"' in s or 'FROM "accounts_organization"' in s for s in sql), text
    assert not any('FROM "sla_supportplan"' in s or 'FROM "sla_supportregion"' in s for s in sql), text
    assert not any('FROM "django_session"' in s for s in sql), text
    assert not any("escalation_escalationpolicy" in s or "escalation_escalationstep" in s for s in sql), text
    assert not any('FROM "lifecycle_productversion"' in s for s in sql), text  # a product was named


def test_a_submission_whose_email_task_cannot_be_enqueued_is_filed_all_the_same(
    client, customer, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def broker_down(*args):
        raise OSError("broker down")

    monkeypatch.setattr(tasks.submitted_emails_send, "delay", broker_down)
    client.force_login(customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = form_post(client)
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:submitted", args=[incident.number])
    assert "could not enqueue the new-incident emails" in caplog.text
    assert incident.emails_pending is True  # for the re-send


def test_a_transient_enqueue_failure_is_tried_once_more(
    client, customer, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    calls = []

    def raced(*args):  # kombu's filesystem transport read a half-written exchange file
        calls.append(args)
        if len(calls) == 1:
            raise ValueError("Expecting value: line 1 column 1 (char 0)")

    monkeypatch.setattr(tasks.submitted_emails_send, "delay", raced)
    client.force_login(customer)
    with django_capture_on_commit_callbacks(execute=True):
        form_post(client)
    incident = Incident.objects.get()
    assert calls == [(incident.pk,), (incident.pk,)]
    assert "could not enqueue" not in caplog.text


def test_an_unreachable_broker_is_not_tried_again_on_the_request(
    client, customer, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    from kombu.exceptions import OperationalError

    calls = []

    def unreachable(*args):  # Celery has already retried the connection
        calls.append(args)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.submitted_emails_send, "delay", unreachable)
    client.force_login(customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = form_post(client)
    assert response.status_code == 302
    assert len(calls) == 1
    assert "they stay pending for the re-send" in caplog.text


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


# --- Webhook endpoints ------------------------------------------------------------------------


def test_a_webhook_endpoint_added_gets_the_next_incident(organization, customer):
    from escalation.models import WebhookDelivery, WebhookEndpoint

    submit(organization, customer)
    endpoint = WebhookEndpoint.objects.create(name="Team", url="https://hooks.example/in", on_created=True)
    incident = submit(organization, customer)
    assert list(WebhookDelivery.objects.filter(incident=incident).values_list("endpoint", "event")) == [
        (endpoint.pk, "incident.created")
    ]


def test_an_inactive_or_unsubscribed_endpoint_gets_nothing(organization, customer):
    from escalation.models import WebhookDelivery, WebhookEndpoint

    WebhookEndpoint.objects.create(name="Off", url="https://hooks.example/off", on_created=True, is_active=False)
    WebhookEndpoint.objects.create(name="Escalations only", url="https://hooks.example/esc", on_created=False)
    incident = submit(organization, customer)
    assert not WebhookDelivery.objects.filter(incident=incident).exists()
