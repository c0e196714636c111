"""The new-incident emails: written to the outbox by the watcher's sweep seconds after the
submission (the request writes only the incident's rows), in each recipient's language,
sent by a worker once committed, retried and re-sent from there."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from escalation.watcher import escalation_sweep
from incidents.models import Announcement, Incident
from incidents.services import NewIncident, incident_create
from incidents.services.customer import incident_submit
from notify import sending, tasks
from notify.models import Delivery, DeliveryStatus
from notify.sending import deliveries_due
from tests.conftest import NOW
from tests.factories import severity
from tests.notify.outbox import pending_ids, send_pending

pytestmark = pytest.mark.django_db

SEC = dt.timedelta(seconds=1)


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=True):
        yield


def submit(organization, customer, *, sweep: bool = True) -> Incident:
    """Submit; with `sweep`, the watcher's next sweep has announced it."""
    incident, created = incident_submit(
        organization=organization,
        submitted_by=customer,
        data=NewIncident(title="Bin codes", description="x", severity=severity("B"), product_text="CAW 24.3"),
        submission_token=uuid.uuid4(),
        now=NOW,
    )
    assert created
    if sweep:
        escalation_sweep(now=NOW)
    return incident


def emails(incident: Incident):
    return Delivery.objects.filter(key=f"incident-submitted:{incident.pk}")


def test_the_sweep_after_a_submission_writes_one_email_per_recipient_and_enqueues_them_once_committed(
    organization, customer, customer_admin, settings, monkeypatch, django_capture_on_commit_callbacks
):
    enqueued = []
    monkeypatch.setattr(tasks.deliver, "delay", enqueued.append)
    incident = submit(organization, customer, sweep=False)
    assert incident.announcement == Announcement.WEBHOOK_AND_EMAILS
    assert not emails(incident).exists()  # the request writes none
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        escalation_sweep(now=NOW)
    incident.refresh_from_db()
    assert incident.announcement == Announcement.NONE
    escalation_sweep(now=NOW + 5 * SEC)  # a later sweep announces nothing again
    assert sorted(emails(incident).values_list("to", flat=True)) == sorted(
        [customer.email, customer_admin.email, settings.SUPPORT_TEAM_EMAIL]
    )
    assert enqueued == []  # nothing before the commit
    assert mail.outbox == []  # and no email on the request
    for callback in callbacks:
        callback()
    assert enqueued == [sorted(emails(incident).values_list("pk", flat=True))]


def test_the_worker_sends_each_recipient_one_email_and_a_redelivery_sends_none(
    organization, customer, customer_admin, settings
):
    incident = submit(organization, customer)
    ids = pending_ids()
    assert len(sending.deliveries_send(ids=ids, now=NOW).sent) == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [customer.email, customer_admin.email, settings.SUPPORT_TEAM_EMAIL]
    )
    assert sending.deliveries_send(ids=ids, now=NOW).skipped == ids  # redelivered after a lost worker
    assert len(mail.outbox) == 3
    assert set(emails(incident).values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_a_failed_send_is_retried_by_the_resend_after_its_backoff(organization, customer, monkeypatch):
    incident = submit(organization, customer)
    monkeypatch.setattr(
        sending._Batch, "email_send", lambda self, delivery, rendered: (None, "OSError: mail server down")
    )
    assert len(send_pending(now=NOW).retry) == 2
    monkeypatch.undo()
    assert deliveries_due(now=NOW + 5 * SEC) == []
    due = deliveries_due(now=NOW + 11 * SEC)  # after the first backoff
    assert due == sorted(emails(incident).values_list("pk", flat=True))
    assert len(sending.deliveries_send(ids=due, now=NOW + 11 * SEC).sent) == 2  # the submitter and the team
    assert deliveries_due(now=NOW + dt.timedelta(hours=1)) == []


def test_emails_that_could_not_be_enqueued_wait_for_the_resend(
    client, customer, monkeypatch, django_capture_on_commit_callbacks, caplog, settings
):
    def broker_down(*args):
        raise OSError("broker down")

    monkeypatch.setattr(tasks.deliver, "delay", broker_down)
    client.force_login(customer)
    data = {
        "submission_token": str(uuid.uuid4()),
        "title": "Pick list",
        "description": "Blank bin codes",
        "product_text": "CAW 24.3",
        "severity": severity("B").pk,
        "kind": "break_fix",
    }
    response = client.post(reverse("incidents:new"), data)
    with django_capture_on_commit_callbacks(execute=True):
        escalation_sweep(now=timezone.now())
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:submitted", args=[incident.number])
    assert "left for the re-send" in caplog.text
    later = NOW + dt.timedelta(seconds=settings.NOTIFY_RESEND_AFTER_SECONDS + 1)  # the clock ticks
    assert deliveries_due(now=later) == sorted(emails(incident).values_list("pk", flat=True))


def test_an_incident_filed_without_emails_has_none_and_without_recipients_none_either(organization, customer, settings):
    seeded = incident_create(  # e.g. the demo data: no emails were ever due
        organization=organization,
        submitted_by=customer,
        data=NewIncident(title="Seeded", description="x", severity=severity("C"), product_text="CAW"),
        now=NOW,
    ).incident
    escalation_sweep(now=NOW)
    assert not emails(seeded).exists()
    settings.SUPPORT_TEAM_EMAIL = ""
    type(customer).objects.filter(pk=customer.pk).update(email="")
    customer.email = ""
    assert not emails(submit(organization, customer)).exists()


def test_the_same_address_twice_gets_one_email(organization, customer, settings):
    settings.SUPPORT_TEAM_EMAIL = customer.email.upper()
    incident = submit(organization, customer)
    assert emails(incident).count() == 1


def test_the_task_runs_eagerly_through_the_form_and_mails_the_submitter(
    client, customer, django_capture_on_commit_callbacks
):
    from portal.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        client.force_login(customer)
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
        with django_capture_on_commit_callbacks(execute=True):
            escalation_sweep(now=timezone.now())
    finally:
        app.conf.task_always_eager = before
    assert response.status_code == 302
    incident = Incident.objects.get()
    [to_submitter] = [m for m in mail.outbox if m.to == [customer.email]]
    assert incident.number in to_submitter.subject
    assert to_submitter.extra_headers["Message-ID"] == sending.message_id(emails(incident).get(to=customer.email))


def test_a_failed_delivery_can_be_sent_again_from_the_admin(admin_client, organization, customer):
    incident = submit(organization, customer)
    emails(incident).update(status=DeliveryStatus.FAILED, attempts=10)
    response = admin_client.post(
        reverse("admin:notify_delivery_changelist"),
        {"action": "send_again", "_selected_action": list(emails(incident).values_list("pk", flat=True))},
    )
    assert response.status_code == 302
    assert set(emails(incident).values_list("status", "attempts")) == {(DeliveryStatus.PENDING, 0)}
