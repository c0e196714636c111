"""The outbox: one claim, one batch sender, one retry rule, one re-send, and every
compare-and-set losing to a worker that got there first."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from notify import rendering, sending, tasks
from notify.models import Delivery, DeliveryStatus
from notify.rendering import Rendered
from notify.sending import deliveries_claim, deliveries_due, deliveries_send, message_id
from notify.services import Email, emails_enqueue
from tests.notify.outbox import pending_ids, send_pending

pytestmark = pytest.mark.django_db

SEC = dt.timedelta(seconds=1)


def queue(now, count: int = 3, *, key: str = "test-event:1") -> list[int]:
    emails = [
        Email(
            to=f"person{i}@example.com",
            template="emails/test/hello",
            context={"name": f"Person {i}", "due_at": now},
            language="en",
            time_zone="UTC",
        )
        for i in range(count)
    ]
    return emails_enqueue(key=key, emails=emails, now=now, reference="INC-1")


# --- Writing ------------------------------------------------------------------------------------


def test_a_delivery_is_enqueued_only_once_its_transaction_commits(now, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.deliver, "delay", sent.append)
    with django_capture_on_commit_callbacks() as callbacks:
        ids = queue(now)
    assert sent == []
    for callback in callbacks:
        callback()
    assert sent == [ids]  # one task for the batch


def test_the_same_event_cannot_be_queued_twice_for_the_same_address(now):
    queue(now, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        queue(now, 1)
    queue(now, 1, key="test-event:2")  # another event for the same address is fine
    assert Delivery.objects.count() == 2


def test_one_task_per_batch(now, settings, monkeypatch):
    settings.NOTIFY_BATCH = 2
    sent = []
    monkeypatch.setattr(tasks.deliver, "delay", sent.append)
    tasks.deliveries_enqueue([1, 2, 3, 4, 5])
    assert sent == [[1, 2], [3, 4], [5]]


def test_a_broker_that_is_down_leaves_the_deliveries_to_the_resend(monkeypatch, caplog):
    def down(ids):
        raise OSError("broker down")

    monkeypatch.setattr(tasks.deliver, "delay", down)
    tasks.deliveries_enqueue([1])  # logged, not raised
    assert "left for the re-send" in caplog.text


# --- The claim ----------------------------------------------------------------------------------


def test_the_claim_wins_only_the_free_pending_rows(now, settings):
    free, leased, sent = queue(now)
    Delivery.objects.filter(pk=leased).update(lease_until=now + SEC)  # another worker is sending it
    Delivery.objects.filter(pk=sent).update(status=DeliveryStatus.SENT)
    assert deliveries_claim(ids=[free, leased, sent], now=now) == [free]
    row = Delivery.objects.get(pk=free)
    lease = dt.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
    assert (row.attempts, row.lease_until, row.next_attempt_at) == (1, now + lease, now + lease)
    assert dict(Delivery.objects.values_list("pk", "attempts")) == {free: 1, leased: 0, sent: 0}


def test_a_second_worker_gets_nothing_until_the_lease_runs_out(now, settings):
    ids = queue(now)
    assert deliveries_claim(ids=ids, now=now) == ids
    assert deliveries_claim(ids=ids, now=now + SEC) == []
    # The first worker died: after its lease, another one may claim them.
    after = now + dt.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS) + SEC
    assert deliveries_claim(ids=ids, now=after) == ids


def test_someone_else_claiming_between_the_read_and_the_update_wins(now, monkeypatch):
    first, second = queue(now, 2)
    real_filter = Delivery.objects.filter

    class Racing:
        """The per-row compare-and-set finds `second` taken a moment before it."""

        def filter(self, *args, **kwargs):
            if kwargs.get("pk") == second:
                real_filter(pk=second).update(lease_until=now + 10 * SEC)
            return real_filter(*args, **kwargs)

    monkeypatch.setattr(Delivery, "objects", Racing(), raising=False)
    try:
        won = deliveries_claim(ids=[first, second], now=now)
    finally:
        monkeypatch.undo()
    assert won == [first]


# --- Sending a batch ----------------------------------------------------------------------------


def message_ids_in_files(folder) -> list[list[str]]:
    """Per file the file-based backend wrote (one per opened connection), the Message-IDs."""
    return [
        [line.split(":", 1)[1].strip() for line in path.read_text().splitlines() if line.startswith("Message-ID:")]
        for path in sorted(folder.glob("*.log"))
    ]


def test_a_batch_sends_each_email_once_through_one_connection_with_a_stable_message_id(now, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    ids = queue(now, 5)
    result = deliveries_send(ids=ids, now=now, clock=lambda: now + SEC)
    assert (result.sent, result.skipped, result.retry) == (ids, [], [])
    rows = list(Delivery.objects.order_by("pk"))
    assert message_ids_in_files(tmp_path) == [[message_id(row) for row in rows]]
    assert {(r.status, r.sent_at, r.attempts, r.lease_until) for r in rows} == {
        (DeliveryStatus.SENT, now + SEC, 1, None)
    }
    # A redelivered task or a re-send of the same batch sends nothing more.
    again = deliveries_send(ids=ids, now=now + 60 * SEC)
    assert (again.sent, again.skipped) == ([], ids)
    assert len(message_ids_in_files(tmp_path)) == 1


def test_the_message_id_is_derived_from_the_row_and_the_same_on_a_retry(now):
    [pk] = queue(now, 1)
    row = Delivery.objects.get(pk=pk)
    assert message_id(row).startswith(f"<{row.uuid}@")
    assert message_id(row).endswith(">")
    rendered = Rendered(subject="s", text="t", html="")
    first = sending.email_message(row, rendered)
    second = sending.email_message(Delivery.objects.get(pk=pk), rendered)
    assert first.message()["Message-ID"] == second.message()["Message-ID"] == message_id(row)


def test_a_batch_costs_a_few_queries_plus_one_update_per_row(now):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ids = queue(now, 10)
    with CaptureQueriesContext(connection) as queries:
        deliveries_send(ids=ids, now=now)
    skip = ("SAVEPOINT", "RELEASE", "SET LOCAL")  # PostgreSQL: each "sent" commits without a disk wait
    sql = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(skip)]
    # Claim: the candidates, then one compare-and-set per row (in one transaction); the
    # read; one "sent" per row, each committed right after its message went out.
    assert len(sql) == 1 + 10 + 1 + 10, "\n".join(sql)
    assert len(mail.outbox) == 10


def test_recording_a_send_keeps_the_time_of_a_worker_that_finished_first(now, monkeypatch):
    [pk] = queue(now, 1)
    theirs = now - SEC
    real = sending._Batch.email_send

    def meanwhile_someone_else_sends(self, delivery, rendered):
        # This worker's lease ran out while it waited; another one sent it.
        Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENT, sent_at=theirs)
        return real(self, delivery, rendered)

    monkeypatch.setattr(sending._Batch, "email_send", meanwhile_someone_else_sends)
    deliveries_send(ids=[pk], now=now)
    assert Delivery.objects.get(pk=pk).sent_at == theirs


def test_a_failing_email_is_retried_with_backoff_and_the_others_go_out(now, monkeypatch):
    good, bad, also_good = queue(now)
    real = sending._Batch.email_send

    def refuse(self, delivery, rendered):
        if delivery.pk == bad:
            return None, "ConnectionRefusedError: mail server refused"
        return real(self, delivery, rendered)

    monkeypatch.setattr(sending._Batch, "email_send", refuse)
    result = deliveries_send(ids=[good, bad, also_good], now=now, clock=lambda: now)
    assert (result.sent, result.retry) == ([good, also_good], [bad])
    row = Delivery.objects.get(pk=bad)
    assert (row.status, row.attempts, row.next_attempt_at, row.lease_until) == (
        DeliveryStatus.PENDING,
        1,
        now + 10 * SEC,
        now + 10 * SEC,  # an early task for it finds it taken until the backoff is over
    )
    assert "refused" in row.last_error
    assert deliveries_due(now=now + 9 * SEC) == []
    assert deliveries_due(now=now + 11 * SEC) == [bad]
    monkeypatch.setattr(sending._Batch, "email_send", real)
    assert deliveries_send(ids=[bad], now=now + 11 * SEC).sent == [bad]


def test_the_backoff_doubles_and_the_last_attempt_gives_up(now, settings, monkeypatch):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    [pk] = queue(now, 1)
    monkeypatch.setattr(
        sending._Batch, "email_send", lambda self, delivery, rendered: (None, "TimeoutError: timed out")
    )
    at = now
    for attempt, backoff in ((1, 10), (2, 20)):
        assert deliveries_send(ids=[pk], now=at, clock=lambda at=at: at).retry == [pk]
        row = Delivery.objects.get(pk=pk)
        assert (row.attempts, row.next_attempt_at) == (attempt, at + backoff * SEC)
        at = row.next_attempt_at + SEC
    assert deliveries_send(ids=[pk], now=at).failed == [pk]
    assert Delivery.objects.get(pk=pk).status == DeliveryStatus.FAILED


def test_a_mail_server_that_fails_twice_in_a_row_is_not_waited_on_for_the_rest(now, monkeypatch):
    ids = queue(now, 5)
    calls = []

    def down(self, delivery, rendered):
        calls.append(delivery.pk)
        return None, "TimeoutError: timed out"

    monkeypatch.setattr(sending._Batch, "email_send", down)
    result = deliveries_send(ids=ids, now=now, clock=lambda: now)
    assert calls == ids[:2]
    assert (result.retry, result.postponed) == (ids[:2], ids[2:])
    # The postponed ones count no attempt and wait for the first backoff.
    rows = list(Delivery.objects.filter(pk__in=ids[2:]).values_list("attempts", "lease_until", "next_attempt_at"))
    assert set(rows) == {(0, None, now + 10 * SEC)}


def test_the_lease_is_renewed_while_a_long_batch_works(now, settings):
    settings.NOTIFY_LEASE_SECONDS = 15
    settings.WEBHOOK_TIMEOUT_SECONDS = 10
    ids = queue(now, 3)
    # The clock is read before each send (the lease) and after it (the record).
    times = iter([now, now + SEC, now + 4 * SEC, now + 5 * SEC, now + 6 * SEC, now + 7 * SEC])
    leases = []
    real = sending._Batch.email_send

    def watch(self, delivery, rendered):
        leases.append(Delivery.objects.get(pk=ids[-1]).lease_until)
        return real(self, delivery, rendered)

    sending_batch = sending._Batch.email_send
    try:
        sending._Batch.email_send = watch
        deliveries_send(ids=ids, now=now, clock=lambda: next(times))
    finally:
        sending._Batch.email_send = sending_batch
    # 15 s lease; renewed when less than the timeout + 2 s was left (at 4 s, not at 6 s).
    assert leases == [now + 15 * SEC, now + 19 * SEC, now + 19 * SEC]


# --- Rendering at send time -------------------------------------------------------------------


def test_the_request_writes_no_message_the_worker_renders_it_and_keeps_what_it_sent(now):
    [pk] = queue(now, 1)
    row = Delivery.objects.get(pk=pk)
    assert (row.subject, row.text, row.html) == ("", "", "")
    assert row.context == {"name": "Person 0", "due_at": now.isoformat().replace("+00:00", "Z")}
    deliveries_send(ids=[pk], now=now)
    [message] = mail.outbox
    assert message.subject == "Hello Person 0"
    assert message.body.startswith("Hello, Person 0.")
    row.refresh_from_db()
    assert (row.subject, row.text) == (message.subject, message.body)
    assert row.html == message.alternatives[0][0]


def test_each_email_is_rendered_in_its_recipients_language_and_zone(now):
    emails = [
        Email(
            to="de@example.com",
            template="emails/test/hello",
            context={"name": "R&D", "due_at": now},
            language="de",
            time_zone="Europe/Berlin",
        ),
        Email(
            to="en@example.com",
            template="emails/test/hello",
            context={"name": "R&D", "due_at": now},
            language="en",
            time_zone="America/Los_Angeles",
        ),
    ]
    ids = emails_enqueue(key="test-event:lang", emails=emails, now=now)
    deliveries_send(ids=ids, now=now)
    by_address = {m.to[0]: m for m in mail.outbox}
    german, english = by_address["de@example.com"], by_address["en@example.com"]
    assert german.body.startswith("Hallo, R&D.")  # plain text: not HTML-escaped
    assert english.body.startswith("Hello, R&D.")
    assert "R&amp;D" in german.alternatives[0][0]  # HTML: escaped
    assert now.astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d %H:%M") in german.body
    assert now.astimezone(ZoneInfo("America/Los_Angeles")).strftime("%Y-%m-%d %H:%M") in english.body


def test_a_batch_renders_each_distinct_message_once(now, monkeypatch):
    calls = []
    real = rendering.email_render
    monkeypatch.setattr(rendering, "email_render", lambda **kw: calls.append(kw) or real(**kw))
    same = {"name": "Team", "due_at": now}
    emails = [
        Email(to=f"e{i}@example.com", template="emails/test/hello", context=same, language="en", time_zone="UTC")
        for i in range(5)
    ]
    ids = emails_enqueue(key="test-event:same", emails=emails, now=now)
    assert len(deliveries_send(ids=ids, now=now).sent) == 5
    assert len(calls) == 1


def test_a_message_that_cannot_be_rendered_is_retried_and_the_others_go_out(now, caplog):
    good = queue(now, 1)
    broken = emails_enqueue(
        key="test-event:broken",
        emails=[Email(to="x@example.com", template="emails/test/missing", context={}, language="en", time_zone="UTC")],
        now=now,
    )
    result = deliveries_send(ids=good + broken, now=now, clock=lambda: now)
    assert (result.sent, result.retry) == (good, broken)
    row = Delivery.objects.get(pk=broken[0])
    assert "TemplateDoesNotExist" in row.last_error
    assert row.next_attempt_at == now + 10 * SEC
    assert "cannot render emails/test/missing" in caplog.text


def test_context_decode_turns_instants_back_into_datetimes_only_for_at_keys(now):
    stored = rendering.context_encode({"due_at": now, "when": now, "nested": {"fired_at": now}, "items": [1]})
    decoded = rendering.context_decode(stored)
    assert decoded["due_at"] == now
    assert decoded["nested"]["fired_at"] == now
    assert isinstance(decoded["when"], str)
    assert decoded["items"] == [1]


# --- The re-send --------------------------------------------------------------------------------


def test_the_resend_leaves_new_rows_to_their_task_then_takes_them_once_per_period(now, settings):
    ids = queue(now, 2)
    assert deliveries_due(now=now + 5 * SEC) == []  # too fresh: their task may be in the queue
    later = now + dt.timedelta(seconds=settings.NOTIFY_RESEND_AFTER_SECONDS)
    assert deliveries_due(now=later) == ids
    # Still queued behind a long backlog: not handed out again at the next tick.
    assert deliveries_due(now=later + 10 * SEC) == []
    again = later + dt.timedelta(seconds=settings.NOTIFY_RESEND_AGAIN_SECONDS)
    assert deliveries_due(now=again) == ids


def test_the_resend_takes_the_claims_of_a_worker_that_died_when_their_lease_runs_out(now, settings):
    ids = queue(now, 2)
    deliveries_claim(ids=ids, now=now)  # this worker is killed now
    lease = dt.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
    assert deliveries_due(now=now + lease - SEC) == []
    assert deliveries_due(now=now + lease + SEC) == ids
    assert send_pending(now=now + lease + 2 * SEC).sent == ids
    assert Delivery.objects.get(pk=ids[0]).attempts == 2


def test_the_resend_task_enqueues_what_is_due(now, monkeypatch, settings):
    from django.utils import timezone

    ids = queue(timezone.now() - dt.timedelta(minutes=5), 2)
    sent = []
    monkeypatch.setattr(tasks.deliver, "delay", sent.append)
    assert tasks.resend() == 2
    assert sent == [ids]
    assert pending_ids() == ids


def test_beat_runs_the_resend_every_ten_seconds_and_drops_stale_ticks(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["notify-resend"]
    assert entry["task"] == "notify.resend"
    assert entry["schedule"] == settings.NOTIFY_RESEND_SECONDS <= 10
    assert 0 < entry["options"]["expire_seconds"] <= settings.NOTIFY_RESEND_SECONDS
    # A killed worker's deliveries are taken again within 30 s.
    assert settings.NOTIFY_LEASE_SECONDS + settings.NOTIFY_RESEND_SECONDS <= 30


def test_the_delivery_task_is_named_acks_late_and_time_limited():
    task = tasks.deliver
    assert task.name == "notify.deliver"
    assert task.acks_late is True
    assert 0 < task.soft_time_limit < task.time_limit


@pytest.mark.django_db(transaction=True)
def test_a_batch_records_each_send_in_one_statement_without_waiting_for_the_disk_and_resets_after():
    """PostgreSQL: the batch's session does not wait for the WAL flush (each "sent" record is
    one autocommitted statement); the setting does not outlive the batch."""
    from django.db import connection

    from notify.sending import _commits_without_waiting_for_the_disk

    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    if connection.vendor != "postgresql":
        with _commits_without_waiting_for_the_disk():  # SQLite: nothing to set
            return
    before = setting()
    with _commits_without_waiting_for_the_disk():
        assert setting() == "off"
    assert setting() == before == "on"
