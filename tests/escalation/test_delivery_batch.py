"""Delivery in batches: one claim for many events, one SMTP connection, keep-alive POSTs,
bulk status updates, and every compare-and-set losing to a worker that got there first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from escalation import claims, webhooks
from escalation import delivery as services
from escalation.delivery import escalation_events_deliver
from escalation.models import DeliveryStatus, EscalationEvent, WebhookDelivery, WebhookEndpoint
from escalation.watcher import escalation_sweep
from tests.escalation.receiver import start_receiver

pytestmark = pytest.mark.django_db

MIN = dt.timedelta(minutes=1)
LEASE = dt.timedelta(minutes=2)


@pytest.fixture
def receiver():
    state, server = start_receiver(keep_alive=True)
    yield state
    state.release.set()
    server.shutdown()


def fired(file_incident, now, count: int) -> list[int]:
    """`count` incidents whose warning fired at now + 46 min; their event ids."""
    for _ in range(count):
        file_incident(at=now)
    escalation_sweep(now=now + 46 * MIN)
    return list(EscalationEvent.objects.order_by("pk").values_list("pk", flat=True))


# --- The claim ---------------------------------------------------------------------------------


def test_one_claim_wins_only_the_free_undelivered_events(file_incident, now):
    free, leased, delivered = fired(file_incident, now, 3)
    at = now + 47 * MIN
    EscalationEvent.objects.filter(pk=leased).update(lease_until=at + MIN)  # another worker is sending it
    EscalationEvent.objects.filter(pk=delivered).update(delivered_at=at)
    assert claims.events_claim(event_ids=[free, leased, delivered], now=at, lease=LEASE) == [free]
    attempts = dict(EscalationEvent.objects.values_list("pk", "delivery_attempts"))
    assert attempts == {free: 1, leased: 0, delivered: 0}
    assert EscalationEvent.objects.get(pk=free).lease_until == at + LEASE


def test_a_second_worker_claiming_the_same_batch_gets_nothing_until_the_lease_runs_out(file_incident, now):
    ids = fired(file_incident, now, 3)
    at = now + 47 * MIN
    assert claims.events_claim(event_ids=ids, now=at, lease=LEASE) == ids
    assert claims.events_claim(event_ids=ids, now=at + dt.timedelta(seconds=1), lease=LEASE) == []
    # The first worker died: after its lease, the batch can be claimed again.
    assert claims.events_claim(event_ids=ids, now=at + LEASE + dt.timedelta(seconds=1), lease=LEASE) == ids


def test_the_webhook_claim_skips_deliveries_another_worker_holds_or_finished(file_incident, now):
    WebhookEndpoint.objects.create(name="Ops", url="http://127.0.0.1:9/hook", on_escalated=True)
    ids = fired(file_incident, now, 3)
    held, done, free = WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True)
    at = now + 47 * MIN
    WebhookDelivery.objects.filter(pk=held).update(lease_until=at + MIN)
    WebhookDelivery.objects.filter(pk=done).update(status=DeliveryStatus.DELIVERED)
    assert claims.webhook_deliveries_claim(now=at, lease=LEASE, escalation_event_ids=ids) == [free]
    assert claims.webhook_deliveries_claim(now=at, lease=LEASE, delivery_ids=[held, done, free]) == []


# --- Delivering a batch ------------------------------------------------------------------------


def event_ids_in_mail_files(folder) -> list[list[int]]:
    """Per file the file-based backend wrote (one file per opened connection), the
    escalation event ids of its messages."""
    return [
        [int(line.split(":", 1)[1]) for line in path.read_text().splitlines() if line.startswith("X-Portal-Escalation")]
        for path in sorted(folder.glob("*.log"))
    ]


def test_a_batch_emails_each_event_once_through_one_connection_and_posts_once_each(
    file_incident, now, receiver, settings, tmp_path
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    hook = WebhookEndpoint.objects.create(name="Ops", url=receiver.url, on_escalated=True)
    ids = fired(file_incident, now, 5)
    result = escalation_events_deliver(event_ids=ids, now=now + 47 * MIN)
    assert result.delivered == ids
    assert (result.failed, result.skipped) == ([], [])
    assert event_ids_in_mail_files(tmp_path) == [ids]  # one connection, each event once
    assert (tmp_path / next(tmp_path.iterdir()).name).read_text().count(f"To: {settings.SUPPORT_TEAM_EMAIL}") == 5
    assert sorted(post.json["escalation"]["id"] for post in receiver.answered) == ids
    assert len({post.client_port for post in receiver.received}) == 1  # one keep-alive connection
    for post in receiver.received:
        assert webhooks.signature_verify(
            secret=hook.secret,
            timestamp=post.headers["x-portal-timestamp"],
            body=post.body,
            signature=post.headers["x-portal-signature"],
        )
    assert set(EscalationEvent.objects.values_list("delivered_at", "delivery_attempts", "lease_until")) == {
        (now + 47 * MIN, 1, None)
    }
    assert set(WebhookDelivery.objects.values_list("status", "attempts", "response_code")) == {
        (DeliveryStatus.DELIVERED, 1, 200)
    }
    # A redelivered message or a re-send of the same batch sends nothing more.
    again = escalation_events_deliver(event_ids=ids, now=now + 48 * MIN)
    assert (again.delivered, again.skipped) == ([], ids)
    assert event_ids_in_mail_files(tmp_path) == [ids]
    assert len(receiver.received) == 5


def test_a_batch_costs_the_same_few_queries_whatever_its_size(
    file_incident, now, receiver, lead, django_assert_max_num_queries
):
    WebhookEndpoint.objects.create(name="Ops", url=receiver.url, on_escalated=True)
    ids = fired(file_incident, now, 12)
    # Claim, read, the step's groups and contacts once, mark delivered, webhook claim,
    # read, mark delivered.
    with django_assert_max_num_queries(8):
        result = escalation_events_deliver(event_ids=ids, now=now + 47 * MIN)
    assert len(result.delivered) == 12
    assert all(m.to == [lead.email] for m in mail.outbox)


def test_a_batch_skips_the_events_another_worker_holds(file_incident, now):
    free, held = fired(file_incident, now, 2)
    EscalationEvent.objects.filter(pk=held).update(lease_until=now + 50 * MIN)
    result = escalation_events_deliver(event_ids=[free, held], now=now + 47 * MIN)
    assert (result.delivered, result.skipped) == ([free], [held])
    assert [m.extra_headers["X-Portal-Escalation-Event"] for m in mail.outbox] == [str(free)]
    held_row = EscalationEvent.objects.get(pk=held)
    assert (held_row.delivered_at, held_row.delivery_attempts) == (None, 0)


def test_marking_delivered_keeps_the_time_of_a_worker_that_finished_first(file_incident, now, monkeypatch):
    [event_id] = fired(file_incident, now, 1)
    real = services._event_messages
    theirs = now + 46 * MIN + dt.timedelta(seconds=30)

    def meanwhile_someone_else_delivers(event, recipients):
        # This worker's lease ran out while it waited; another one delivered it.
        EscalationEvent.objects.filter(pk=event.pk).update(delivered_at=theirs, lease_until=None)
        return real(event, recipients)

    monkeypatch.setattr(services, "_event_messages", meanwhile_someone_else_delivers)
    escalation_events_deliver(event_ids=[event_id], now=now + 47 * MIN)
    assert EscalationEvent.objects.get(pk=event_id).delivered_at == theirs


def test_a_failing_email_releases_its_event_for_the_retry_and_the_others_go_out(file_incident, now, monkeypatch):
    good, bad, also_good = fired(file_incident, now, 3)
    real = services._event_messages

    def messages(event, recipients):
        if event.pk == bad:
            raise ConnectionRefusedError("mail server refused")
        return real(event, recipients)

    monkeypatch.setattr(services, "_event_messages", messages)
    result = escalation_events_deliver(event_ids=[good, bad, also_good], now=now + 47 * MIN)
    assert (result.delivered, result.failed) == ([good, also_good], [bad])
    assert "refused" in result.error
    row = EscalationEvent.objects.get(pk=bad)
    assert (row.delivered_at, row.lease_until, row.delivery_attempts) == (None, None, 1)
    assert "refused" in row.last_error
    # The retry (the task re-runs only the failed ids) delivers it.
    monkeypatch.setattr(services, "_event_messages", real)
    assert escalation_events_deliver(event_ids=result.failed, now=now + 48 * MIN).delivered == [bad]


def test_a_mail_server_that_fails_twice_in_a_row_is_not_waited_on_for_the_rest(file_incident, now, monkeypatch):
    ids = fired(file_incident, now, 5)
    calls = []

    def down(event, recipients):
        calls.append(event.pk)
        raise TimeoutError("timed out")

    monkeypatch.setattr(services, "_event_messages", down)
    result = escalation_events_deliver(event_ids=ids, now=now + 47 * MIN)
    assert result.failed == ids
    assert calls == ids[:2]
    assert not EscalationEvent.objects.filter(lease_until__isnull=False).exists()


def test_the_deliver_events_task_retries_only_the_failed_ids(file_incident, now, monkeypatch):
    from escalation import tasks

    ids = fired(file_incident, now, 2)
    monkeypatch.setattr(
        services,
        "escalation_events_deliver",
        lambda *, event_ids, now: services.EventDeliveryResult(delivered=ids[:1], failed=ids[1:], error="down"),
    )
    retried = {}

    def retry(**kwargs):
        retried.update(kwargs)
        return RuntimeError("retry")

    monkeypatch.setattr(tasks.deliver_events, "retry", retry)
    with pytest.raises(RuntimeError):
        tasks.deliver_events.run(ids)
    assert retried["args"] == (ids[1:],)
    assert retried["countdown"] == webhooks.backoff_seconds(1)


def test_a_receiver_that_does_not_answer_is_tried_once_per_batch(file_incident, now):
    WebhookEndpoint.objects.create(name="Down", url="http://127.0.0.1:9/hook", on_escalated=True)
    ids = fired(file_incident, now, 3)
    result = webhooks.webhooks_deliver_batch(now=now + 47 * MIN, escalation_event_ids=ids)
    assert (result.delivered, result.retry) == (0, 3)
    rows = list(WebhookDelivery.objects.order_by("pk").values_list("status", "attempts", "lease_until"))
    # One real attempt; the other two were not tried and count none.
    assert rows == [
        (DeliveryStatus.PENDING, 1, None),
        (DeliveryStatus.PENDING, 0, None),
        (DeliveryStatus.PENDING, 0, None),
    ]
    assert not WebhookDelivery.objects.filter(next_attempt_at__lte=now + 47 * MIN).exists()


# --- Enqueueing ----------------------------------------------------------------------------------


def test_a_sweep_enqueues_one_delivery_task_per_batch_of_events_after_commit(
    file_incident, now, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from escalation import tasks

    settings.ESCALATION_DELIVERY_BATCH = 2
    for _ in range(3):
        file_incident(at=now)
    sent = []
    monkeypatch.setattr(tasks.deliver_events, "delay", sent.append)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        escalation_sweep(now=now + 46 * MIN)
    assert len(callbacks) == 1
    ids = list(EscalationEvent.objects.order_by("pk").values_list("pk", flat=True))
    assert sent == [ids[:2], ids[2:]]
