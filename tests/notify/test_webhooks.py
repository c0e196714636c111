"""Outgoing webhooks: who gets which event, the formats, the signature, delivery and retries."""

from __future__ import annotations

import datetime as dt

import pytest

from escalation.models import EscalationEvent
from escalation.watcher import escalation_sweep
from incidents.models import IncidentStatus
from incidents.services import incident_record_first_response, incident_transition
from notify.formats import signature_verify
from notify.models import Delivery, DeliveryStatus, WebhookEndpoint, WebhookFormat
from notify.sending import deliveries_send
from tests.notify.outbox import send_pending
from tests.notify.receiver import start_receiver

pytestmark = pytest.mark.django_db

MIN = dt.timedelta(minutes=1)
SEC = dt.timedelta(seconds=1)


@pytest.fixture
def receiver():
    state, server = start_receiver(keep_alive=True)
    yield state
    state.release.set()
    server.shutdown()


def endpoint(url: str, **fields) -> WebhookEndpoint:
    defaults = {"name": "Ops", "url": url, "on_escalated": True}
    return WebhookEndpoint.objects.create(**{**defaults, **fields})


def posts():
    return Delivery.objects.filter(channel="webhook")


def test_incident_services_emit_created_responded_and_status_changed(file_incident, now, engineer):
    endpoint("http://127.0.0.1:9/hook", on_created=True, on_responded=True, on_status_changed=True, on_escalated=False)
    incident = file_incident(at=now)
    incident_record_first_response(incident=incident, by=engineer, now=now + MIN)
    incident_transition(incident=incident, to_status=IncidentStatus.RESOLVED, by=engineer, now=now + 2 * MIN)
    events = list(posts().order_by("pk").values_list("event", flat=True))
    assert events == [
        "incident.created",
        "incident.status_changed",  # new -> responded, inside the first response
        "incident.responded",
        "incident.status_changed",  # -> resolved
    ]
    assert len(set(posts().values_list("key", flat=True))) == 4  # one key per change


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
    escalated = posts().filter(event="incident.escalated")
    assert set(escalated.values_list("endpoint_id", flat=True)) == {team.pk, own.pk}
    delivery = escalated.first()
    assert delivery.payload["incident"]["number"] == incident.number
    assert delivery.payload["escalation"]["kind"] == "warning"
    assert delivery.key == f"escalation-event:{EscalationEvent.objects.get().pk}"


def test_deliveries_are_enqueued_only_after_commit(file_incident, now, django_capture_on_commit_callbacks):
    endpoint("http://127.0.0.1:9/hook", on_created=True)
    with django_capture_on_commit_callbacks() as callbacks:
        incident = file_incident(at=now)
    assert posts().filter(reference=incident.number, event="incident.created").count() == 1
    assert len(callbacks) == 1


def test_a_signed_json_delivery_reaches_the_receiver_with_a_stable_delivery_id(file_incident, now, receiver):
    hook = endpoint(receiver.url, on_created=True)
    incident = file_incident(at=now)
    delivery = posts().get(event="incident.created")
    assert send_pending(now=now + MIN).sent == [delivery.pk]
    [request] = receiver.received
    headers = request.headers
    assert headers["x-portal-event"] == "incident.created"
    assert headers["x-portal-delivery"] == str(delivery.uuid) == request.json["id"]
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
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.SENT, 1, 200)
    # Sent: another task for it (a re-send, a redelivered message) does nothing.
    assert deliveries_send(ids=[delivery.pk], now=now + 2 * MIN).skipped == [delivery.pk]
    assert len(receiver.received) == 1


def test_a_retry_carries_the_same_delivery_id(file_incident, now, receiver):
    endpoint(receiver.url, on_created=True)
    file_incident(at=now)
    receiver.status = 503
    send_pending(now=now)
    receiver.status = 200
    send_pending(now=now + MIN)
    first, second = receiver.received
    assert first.headers["x-portal-delivery"] == second.headers["x-portal-delivery"]
    assert first.json["id"] == second.json["id"]


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
    send_pending(now=now + 47 * MIN, channel="webhook")
    [request] = receiver.received
    assert check(request.json)
    assert "x-portal-signature" not in request.headers


def test_a_server_error_is_retried_with_backoff_then_given_up(file_incident, now, receiver, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    receiver.status = 503
    endpoint(receiver.url, on_created=True)
    file_incident(at=now)
    delivery = posts().get()
    assert send_pending(now=now).retry == [delivery.pk]
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == now + 10 * SEC
    assert send_pending(now=now + MIN).retry == [delivery.pk]
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == now + MIN + 20 * SEC
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.last_error) == (
        DeliveryStatus.PENDING,
        2,
        503,
        "HTTP 503",
    )
    assert send_pending(now=now + 2 * MIN).failed == [delivery.pk]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED


def test_a_client_error_is_not_retried(file_incident, now, receiver):
    receiver.status = 410
    endpoint(receiver.url, on_created=True)
    file_incident(at=now)
    delivery = posts().get()
    assert send_pending(now=now).failed == [delivery.pk]


def test_an_unreachable_receiver_is_retried(file_incident, now):
    endpoint("http://127.0.0.1:9/nobody-listens", on_created=True)
    file_incident(at=now)
    delivery = posts().get()
    assert send_pending(now=now).retry == [delivery.pk]
    delivery.refresh_from_db()
    assert delivery.response_code is None
    assert delivery.last_error == "could not connect"  # which error it was is not recorded


def test_a_receiver_that_does_not_answer_is_tried_once_per_batch(file_incident, now):
    endpoint("http://127.0.0.1:9/down")
    for _ in range(3):
        file_incident(at=now)
    escalation_sweep(now=now + 46 * MIN)
    result = send_pending(now=now + 47 * MIN, channel="webhook")
    assert (len(result.retry), len(result.postponed)) == (1, 2)
    # One real attempt; the other two were not tried and count none.
    assert list(posts().order_by("pk").values_list("attempts", flat=True)) == [1, 0, 0]
    assert not posts().filter(next_attempt_at__lte=now + 47 * MIN).exists()


def test_a_batch_posts_over_one_keep_alive_connection(file_incident, now, receiver):
    endpoint(receiver.url)
    for _ in range(4):
        file_incident(at=now)
    escalation_sweep(now=now + 46 * MIN)
    assert len(send_pending(now=now + 47 * MIN, channel="webhook").sent) == 4
    assert len({post.client_port for post in receiver.received}) == 1


def test_delivery_loses_to_a_worker_holding_the_lease(file_incident, now, receiver):
    endpoint(receiver.url, on_created=True)
    file_incident(at=now)
    delivery = posts().get()
    Delivery.objects.filter(pk=delivery.pk).update(lease_until=now + MIN)
    assert send_pending(now=now).skipped == [delivery.pk]
    assert receiver.received == []
    assert send_pending(now=now + 2 * MIN).sent == [delivery.pk]


def test_no_endpoint_no_delivery(file_incident, now):
    file_incident(at=now)
    escalation_sweep(now=now + 46 * MIN)
    assert not posts().exists()
