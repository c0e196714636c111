"""An escalation event's emails and webhooks: who gets them, written with the event, each once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from escalation.delivery import event_deliveries_create
from escalation.models import EscalationEvent, StepKind
from escalation.watcher import escalation_sweep
from incidents.models import Incident
from notify.models import Delivery, DeliveryStatus, WebhookEndpoint
from notify.sending import deliveries_send
from tests.notify.outbox import pending_ids, send_pending
from tests.notify.receiver import start_receiver

pytestmark = pytest.mark.django_db

MIN = dt.timedelta(minutes=1)


def test_the_step_recipients_get_one_email_each_once(file_incident, now, engineer, lead):
    incident = file_incident(at=now)
    Incident.objects.filter(pk=incident.pk).update(assignee=engineer)
    escalation_sweep(now=now + 61 * MIN)  # warning and breach
    breach = EscalationEvent.objects.get(incident=incident, kind=StepKind.BREACH)
    ids = pending_ids(key=f"escalation-event:{breach.pk}")
    assert len(deliveries_send(ids=ids, now=now + 62 * MIN).sent) == 2
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([engineer.email, lead.email])
    assert incident.number in mail.outbox[0].subject
    assert {m.extra_headers["X-Portal-Escalation-Event"] for m in mail.outbox} == {str(breach.pk)}
    # Sent already: a second task (a re-send, a redelivered message) sends nothing.
    assert deliveries_send(ids=ids, now=now + 63 * MIN).sent == []
    assert len(mail.outbox) == 2


def test_without_any_recipient_the_support_team_is_notified(file_incident, now, settings):
    file_incident(at=now)  # unassigned; nobody in the support leads group
    escalation_sweep(now=now + 46 * MIN)
    send_pending(now=now + 47 * MIN)
    assert [m.to for m in mail.outbox] == [[settings.SUPPORT_TEAM_EMAIL]]


def test_the_event_and_its_deliveries_commit_together(file_incident, now, monkeypatch):
    from escalation import watcher

    file_incident(at=now)

    def broken(events, *, now, endpoints=None):
        raise RuntimeError("the outbox write failed")

    monkeypatch.setattr(watcher, "event_deliveries_create", broken)
    with pytest.raises(RuntimeError):
        escalation_sweep(now=now + 46 * MIN)
    assert not EscalationEvent.objects.exists()
    assert not Delivery.objects.exists()


def test_an_event_cannot_be_queued_twice(file_incident, now):
    WebhookEndpoint.objects.create(name="Ops", url="http://127.0.0.1:9/hook", on_escalated=True)
    file_incident(at=now)
    escalation_sweep(now=now + 46 * MIN)
    event = EscalationEvent.objects.select_related("incident", "step").get()
    with pytest.raises(IntegrityError), transaction.atomic():
        event_deliveries_create([event], now=now + 47 * MIN)
    assert Delivery.objects.count() == 2  # one email, one post


def test_a_batch_of_events_goes_out_in_one_task_over_one_smtp_connection_and_one_http_session(
    file_incident, now, settings, tmp_path
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    state, server = start_receiver(keep_alive=True)
    try:
        WebhookEndpoint.objects.create(name="Ops", url=state.url, on_escalated=True)
        for _ in range(5):
            file_incident(at=now)
        escalation_sweep(now=now + 46 * MIN)
        result = send_pending(now=now + 47 * MIN)
        assert len(result.sent) == 10
        [mail_file] = tmp_path.glob("*.log")  # one connection
        assert mail_file.read_text().count(f"To: {settings.SUPPORT_TEAM_EMAIL}") == 5
        assert len({post.client_port for post in state.received}) == 1
        event_ids = sorted(EscalationEvent.objects.values_list("pk", flat=True))
        assert sorted(post.json["escalation"]["id"] for post in state.answered) == event_ids
    finally:
        state.release.set()
        server.shutdown()
    assert set(Delivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.SENT, 1)}


def test_a_sweep_enqueues_one_task_per_batch_of_deliveries_after_commit(
    file_incident, now, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from notify import tasks

    settings.NOTIFY_BATCH = 2
    for _ in range(3):
        file_incident(at=now)
    sent = []
    monkeypatch.setattr(tasks.deliver, "delay", sent.append)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        escalation_sweep(now=now + 46 * MIN)
    assert len(callbacks) == 1
    ids = pending_ids()
    assert sent == [ids[:2], ids[2:]]


def test_a_customers_escalation_request_pages_the_contacts_by_one_route(
    file_incident, now, customer, django_capture_on_commit_callbacks, monkeypatch
):
    from escalation.models import EscalationContact
    from escalation.services.requests import escalation_request_by_customer
    from notify import tasks

    EscalationContact.objects.create(
        name="Duty manager", role="Escalations", email="duty@example.com", phone="+1", hours="24/7"
    )
    WebhookEndpoint.objects.create(name="Ops", url="http://127.0.0.1:9/hook", on_escalated=True)
    incident = file_incident(at=now)
    sent = []
    monkeypatch.setattr(tasks.deliver, "delay", sent.append)
    with django_capture_on_commit_callbacks(execute=True):
        escalation_request_by_customer(
            incident=incident, user=customer, criterion="impact_grew", description="Worse", now=now + MIN
        )
    event = EscalationEvent.objects.get(request__isnull=False)
    rows = Delivery.objects.filter(key=f"escalation-event:{event.pk}")
    assert sorted(rows.values_list("channel", "to")) == [("email", "duty@example.com"), ("webhook", "")]
    accepted = Delivery.objects.filter(key__startswith="escalation-accepted:")
    assert list(accepted.values_list("to", flat=True)) == [customer.email]  # the customer hears of it
    # One task for both of the contacts' deliveries (the customer's e-mail is its own event).
    assert sent == [sorted(rows.values_list("pk", flat=True)), list(accepted.values_list("pk", flat=True))]
