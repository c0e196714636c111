"""Outgoing webhooks: who gets which event, the formats, the signature, delivery and retries."""

from __future__ import annotations

import datetime as dt

import pytest

from escalation import webhooks
from escalation.delivery import escalation_outbox_resend
from escalation.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookFormat
from escalation.watcher import escalation_sweep
from escalation.webhooks import signature_verify, webhook_deliver, webhooks_emit
from incidents.models import IncidentStatus
from incidents.services import incident_record_first_response, incident_transition
from tests.escalation.receiver import start_receiver

pytestmark = pytest.mark.django_db

MIN = dt.timedelta(minutes=1)


@pytest.fixture
def receiver():
    state, server = start_receiver()
    yield state
    state.release.set()
    server.shutdown()


def endpoint(url: str, **fields) -> WebhookEndpoint:
    defaults = {"name": "Ops", "url": url, "on_escalated": True}
    return WebhookEndpoint.objects.create(**{**defaults, **fields})


def test_incident_services_emit_created_responded_and_status_changed(file_incident, now, engineer):
    endpoint("http://127.0.0.1:9/hook", on_created=True, on_responded=True, on_status_changed=True, on_escalated=False)
    incident = file_incident(at=now)
    incident_record_first_response(incident=incident, by=engineer, now=now + MIN)
    incident_transition(incident=incident, to_status=IncidentStatus.RESOLVED, by=engineer, now=now + 2 * MIN)
    events = list(WebhookDelivery.objects.order_by("pk").values_list("event", flat=True))
    assert events == [
        "incident.created",
        "incident.status_changed",  # new -> responded, inside the first response
        "incident.responded",
        "incident.status_changed",  # -> resolved
    ]


def test_only_active_subscribed_endpoints_of_the_team_or_the_incidents_organisation_get_it(
    file_incident, now, organization, other_organization
):
    team = endpoint("http://127.0.0.1:9/team")
    own = endpoint("http://127.0.0.1:9/own", name="Fabrikam", organization=organization)
    endpoint("http://127.0.0.1:9/other", name="Northwind", organization=other_organization)
    endpoint("http://127.0.0.1:9/off", name="Off", is_active=False)
    endpoint("http://127.0.0.1:9/created-only", name="Created only", on_escalated=False)
    incident = file_incident(at=now)
    escalation_sweep(now=now + 46 * MIN)
    got = set(WebhookDelivery.objects.filter(event="incident.escalated").values_list("endpoint_id", flat=True))
    assert got == {team.pk, own.pk}
    delivery = WebhookDelivery.objects.filter(event="incident.escalated").first()
    assert delivery.payload["incident"]["number"] == incident.number
    assert delivery.payload["escalation"]["kind"] == "warning"


def test_deliveries_are_enqueued_only_after_commit(file_incident, now, django_capture_on_commit_callbacks):
    endpoint("http://127.0.0.1:9/hook", on_created=True)
    with django_capture_on_commit_callbacks() as callbacks:
        incident = file_incident(at=now)
    assert WebhookDelivery.objects.filter(incident=incident, event="incident.created").count() == 1
    assert len(callbacks) == 1


def test_a_signed_json_delivery_reaches_the_receiver_with_a_valid_signature(file_incident, now, receiver):
    hook = endpoint(receiver.url, on_created=True)
    incident = file_incident(at=now)
    delivery = WebhookDelivery.objects.get(event="incident.created")
    outcome = webhook_deliver(delivery_id=delivery.pk, now=now + MIN)
    assert outcome.status == "delivered"
    [request] = receiver.received
    headers = request.headers
    assert headers["x-portal-event"] == "incident.created"
    assert headers["x-portal-delivery"] == str(delivery.uuid)
    assert signature_verify(
        secret=hook.secret,
        timestamp=headers["x-portal-timestamp"],
        body=request.body,
        signature=headers["x-portal-signature"],
    )
    assert not signature_verify(
        secret="wrong",
        timestamp=headers["x-portal-timestamp"],
        body=request.body,
        signature=headers["x-portal-signature"],
    )
    assert request.json["incident"]["number"] == incident.number
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.DELIVERED, 1, 200)
    # Delivered: another task for it (a re-send, a redelivered message) does nothing.
    assert webhook_deliver(delivery_id=delivery.pk, now=now + 2 * MIN).status == "skipped"
    assert len(receiver.received) == 1


@pytest.mark.parametrize(
    ("fmt", "check"),
    [
        (
            WebhookFormat.TEAMS,
            lambda body: body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive",
        ),
        (WebhookFormat.SLACK, lambda body: "INC-" in body["text"] and body["blocks"][0]["type"] == "section"),
    ],
)
def test_teams_and_slack_get_their_incoming_webhook_format_unsigned(file_incident, now, receiver, fmt, check):
    endpoint(receiver.url, format=fmt)
    file_incident(at=now)
    escalation_sweep(now=now + 46 * MIN)
    delivery = WebhookDelivery.objects.get()
    webhook_deliver(delivery_id=delivery.pk, now=now + 47 * MIN)
    [request] = receiver.received
    assert check(request.json)
    assert "x-portal-signature" not in request.headers


def test_a_server_error_is_retried_with_backoff_then_given_up(file_incident, now, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.status = 503
    endpoint(receiver.url, on_created=True)
    file_incident(at=now)
    delivery = WebhookDelivery.objects.get()
    with pytest.raises(webhooks.WebhookRetry) as first:
        webhook_deliver(delivery_id=delivery.pk, now=now)
    assert first.value.countdown == 10
    with pytest.raises(webhooks.WebhookRetry) as second:
        webhook_deliver(delivery_id=delivery.pk, now=now + MIN)
    assert second.value.countdown == 20
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.last_error) == (
        DeliveryStatus.PENDING,
        2,
        503,
        "HTTP 503",
    )
    assert webhook_deliver(delivery_id=delivery.pk, now=now + 2 * MIN).status == "failed"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED


def test_a_client_error_is_not_retried(file_incident, now, receiver):
    receiver.status = 410
    endpoint(receiver.url, on_created=True)
    file_incident(at=now)
    delivery = WebhookDelivery.objects.get()
    assert webhook_deliver(delivery_id=delivery.pk, now=now).status == "failed"


def test_an_unreachable_receiver_is_retried(file_incident, now):
    endpoint("http://127.0.0.1:9/nobody-listens", on_created=True)
    file_incident(at=now)
    delivery = WebhookDelivery.objects.get()
    with pytest.raises(webhooks.WebhookRetry):
        webhook_deliver(delivery_id=delivery.pk, now=now)
    delivery.refresh_from_db()
    assert delivery.response_code is None
    assert "Connection refused" in delivery.last_error or "URLError" in delivery.last_error


def test_delivery_loses_to_a_worker_holding_the_lease(file_incident, now, receiver):
    endpoint(receiver.url, on_created=True)
    file_incident(at=now)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(lease_until=now + MIN)
    assert webhook_deliver(delivery_id=delivery.pk, now=now).status == "skipped"
    assert receiver.received == []
    assert webhook_deliver(delivery_id=delivery.pk, now=now + 2 * MIN).status == "delivered"


def test_the_resend_takes_pending_deliveries_whose_time_has_come(file_incident, now, monkeypatch):
    endpoint("http://127.0.0.1:9/hook", on_created=True)
    file_incident(at=now)
    enqueued = []
    monkeypatch.setattr(webhooks, "_enqueue", enqueued.append)
    assert escalation_outbox_resend(now=now + dt.timedelta(seconds=30)) == (0, 0)
    assert escalation_outbox_resend(now=now + 2 * MIN) == (0, 1)
    assert enqueued == [WebhookDelivery.objects.get().pk]


def test_emit_without_endpoints_writes_nothing(file_incident, now):
    incident = file_incident(at=now)
    assert webhooks_emit(event="incident.escalated", incident=incident, now=now) == []


def test_an_escalation_event_task_sends_its_webhooks_too(
    file_incident, now, receiver, django_capture_on_commit_callbacks
):
    from escalation.delivery import escalation_event_deliver
    from escalation.models import EscalationEvent

    endpoint(receiver.url)
    file_incident(at=now)
    with django_capture_on_commit_callbacks() as callbacks:
        escalation_sweep(now=now + 46 * MIN)
    assert len(callbacks) == 1  # one task for the event, not one more per webhook
    event = EscalationEvent.objects.get()
    escalation_event_deliver(event_id=event.pk, now=now + 46 * MIN)
    [request] = receiver.received
    assert request.json["escalation"]["id"] == event.pk
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED
