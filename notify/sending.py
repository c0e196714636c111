"""Sending the outbox: one claim, one batch sender for both channels, one retry rule.

`deliveries_send` claims the given deliveries row by row (compare-and-set on a free lease;
PostgreSQL first skips the rows another worker has locked), renders the emails
(`notify.rendering`, each distinct message once per batch), sends them over one SMTP
connection and one HTTP session, and records each one as sent right after it went out: a
worker killed in the middle of a batch re-sends at most the message it was sending. The
claims of a killed worker expire after `NOTIFY_LEASE_SECONDS` (renewed while a batch is
working), when beat's re-send (`deliveries_due`) hands them to another worker.

A failure is retried with backoff (`next_attempt_at`) by the re-send, up to
`NOTIFY_MAX_ATTEMPTS`; a webhook's 4xx answer (other than 408, 409, 425, 429) and a
webhook to an address it may not reach (`notify.addresses`) are final. A failed POST records
only what kind of failure it was, not the receiver's words.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import requests
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.db.models import F, Q

from notify.addresses import UnsafeAddress, webhook_url_check
from notify.formats import request_render
from notify.models import Channel, Delivery, DeliveryStatus
from notify.pinning import pinned_session
from notify.rendering import Rendered, Renderer

logger = logging.getLogger(__name__)

# Client errors that will not go away by sending again (others: retried with backoff).
_RETRYABLE_CLIENT_ERRORS = {408, 409, 425, 429}
# A webhook to an address it may not go to (`notify.addresses`): final, not retried.
REFUSED = "refused: "
# After this many failures in a row the mail server is not waited on for the rest of a batch.
_MAIL_FAILURES_IN_A_ROW = 2

Clock = Callable[[], dt.datetime]


def backoff_seconds(attempts: int) -> int:
    """10 s, 20 s, 40 s … capped at an hour."""
    return int(min(3600, 10 * 2 ** max(0, attempts - 1)))


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)


def _free(now: dt.datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING) & (Q(lease_until__isnull=True) | Q(lease_until__lt=now))


def deliveries_claim(*, ids: Iterable[int], now: dt.datetime) -> list[int]:
    """Lease the pending, free deliveries among `ids` (counting one attempt each) and return
    the ids this call won, ascending. Per row, `filter(pk=…, <still free>).update(…)`: a row
    another worker claimed or sent meanwhile fails the filter and is left out."""
    ids = sorted({int(pk) for pk in ids})
    if not ids:
        return []
    lease_until = now + _lease()
    won = []
    with transaction.atomic():
        # PostgreSQL: rows another worker is claiming are skipped rather than waited for.
        # SQLite has no row locks (Django ignores this there): the compare-and-set decides.
        candidates = Delivery.objects.filter(_free(now), pk__in=ids).select_for_update(skip_locked=True).order_by("pk")
        for pk in candidates.values_list("pk", flat=True):
            # The lease expiry is also when the re-send looks again, should this worker die.
            claimed = Delivery.objects.filter(_free(now), pk=pk).update(
                lease_until=lease_until, next_attempt_at=lease_until, attempts=F("attempts") + 1
            )
            if claimed:
                won.append(pk)
    return won


def deliveries_due(*, now: dt.datetime, limit: int = 1000) -> list[int]:
    """Pending deliveries whose time has come and which no worker holds: their task was
    lost (the broker was down), their worker died (the lease ran out) or their backoff is
    over. Each is not handed out again before `NOTIFY_RESEND_AGAIN_SECONDS`, so a long
    queue does not fill up with copies."""
    # Uses delivery_due_idx.
    ids = list(
        Delivery.objects.filter(_free(now), next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        again = now + dt.timedelta(seconds=settings.NOTIFY_RESEND_AGAIN_SECONDS)
        Delivery.objects.filter(_free(now), pk__in=ids).update(next_attempt_at=again)
    return ids


def message_id(delivery: Delivery) -> str:
    """The email's Message-ID: the same on every attempt, so receivers can drop a duplicate."""
    domain = urllib.parse.urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<{delivery.uuid}@{domain}>"


def email_message(delivery: Delivery, rendered: Rendered) -> mail.EmailMultiAlternatives:
    headers = {**delivery.headers, "Message-ID": message_id(delivery)}
    message = mail.EmailMultiAlternatives(
        subject=rendered.subject, body=rendered.text, to=[delivery.to], headers=headers
    )
    if rendered.html:
        message.attach_alternative(rendered.html, "text/html")
    return message


@dataclass
class SendResult:
    sent: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    # Sent already, or another worker holds them (the claim lost).
    skipped: list[int] = field(default_factory=list)
    # Not tried: their mail server or endpoint failed earlier in the batch.
    postponed: list[int] = field(default_factory=list)


class _Batch:
    """The claimed rows of one batch, their lease (renewed while the batch works), one SMTP
    connection (opened at the first email) and one HTTP session."""

    def __init__(self, ids: list[int], *, now: dt.datetime, clock: Clock) -> None:
        self.pending = set(ids)
        self.clock = clock
        self.lease_until = now + _lease()
        self.mail = mail.get_connection()
        self.mail_open = False
        self.http = pinned_session()  # connects to the checked address (notify.pinning)
        self.render = Renderer()

    def close(self) -> None:
        if self.mail_open:
            self.mail.close()
        self.http.close()

    def lease_renew(self) -> None:
        """Keep the lease ahead of the longest single send (a webhook's timeout)."""
        now = self.clock()
        margin = dt.timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + 2)
        if self.lease_until - now > margin or not self.pending:
            return
        renewed = now + _lease()
        Delivery.objects.filter(
            pk__in=self.pending, status=DeliveryStatus.PENDING, lease_until=self.lease_until
        ).update(lease_until=renewed, next_attempt_at=renewed)
        self.lease_until = renewed

    def email_render(self, delivery: Delivery) -> Rendered | str:
        """The message, or why it cannot be rendered (a template missing or broken by a
        deploy: retried with backoff like a failed send, so a fixed deploy sends it)."""
        try:
            return self.render(
                template=delivery.template,
                context=delivery.context,
                language=delivery.language,
                time_zone=delivery.time_zone,
            )
        except Exception as exc:
            logger.exception("notify: cannot render %s for %s", delivery.template, delivery.key)
            return f"rendering {delivery.template}: {type(exc).__name__}: {exc}"[:1000]

    def email_send(self, delivery: Delivery, rendered: Rendered) -> tuple[int | None, str]:
        try:
            if not self.mail_open:
                self.mail.open()
                self.mail_open = True
            self.mail.send_messages([email_message(delivery, rendered)])
        except OSError as exc:  # smtplib's errors are OSErrors
            self.mail.close()  # the next email opens a fresh connection
            self.mail_open = False
            return None, f"{type(exc).__name__}: {exc}"[:1000]
        return None, ""

    def webhook_send(self, delivery: Delivery) -> tuple[int | None, str]:
        endpoint = delivery.endpoint
        assert endpoint is not None  # noqa: S101 - the check constraint
        body, headers = request_render(
            format=endpoint.format,
            secret=endpoint.secret,
            event=delivery.event,
            payload=delivery.payload or {},
            delivery_uuid=str(delivery.uuid),
            timestamp=str(int(self.clock().timestamp())),
        )
        try:
            webhook_url_check(endpoint.url)
        except UnsafeAddress as exc:
            return None, f"{REFUSED}{exc}"[:1000]
        try:
            response = self.http.post(
                endpoint.url,
                data=body,
                headers=headers,
                timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
                allow_redirects=False,
            )
        except requests.Timeout:
            return None, "timed out"
        except requests.RequestException:  # refused, reset, TLS: which one is not recorded
            return None, "could not connect"
        if 200 <= response.status_code < 300:
            return response.status_code, ""
        return response.status_code, f"HTTP {response.status_code}"


def _clock_from(now: dt.datetime) -> Clock:
    start = time.monotonic()
    return lambda: now + dt.timedelta(seconds=time.monotonic() - start)


def deliveries_send(*, ids: Iterable[int], now: dt.datetime, clock: Clock | None = None) -> SendResult:
    """Send a batch of deliveries, each at most once per claim (see the module docstring).

    `now` is when the batch starts; `clock` tells the time as the batch goes on (by
    default `now` plus the time elapsed), for each row's `sent_at` and the lease."""
    ids = sorted({int(pk) for pk in ids})
    clock = clock or _clock_from(now)
    result = SendResult()
    won = deliveries_claim(ids=ids, now=now)
    result.skipped = sorted(set(ids) - set(won))
    if not won:
        return result
    rows = list(Delivery.objects.select_related("endpoint").filter(pk__in=won).order_by("pk"))
    batch = _Batch(won, now=now, clock=clock)
    try:
        with _commits_without_waiting_for_the_disk():
            _rows_send(rows, batch=batch, result=result)
    finally:
        batch.close()
        if result.postponed:
            _postpone(result.postponed, at=clock())
    if result.sent or result.retry or result.failed:
        logger.info(
            "notify: sent=%s retry=%s failed=%s postponed=%s skipped=%s",
            len(result.sent),
            len(result.retry),
            len(result.failed),
            len(result.postponed),
            len(result.skipped),
        )
    return result


def _rows_send(rows: list[Delivery], *, batch: _Batch, result: SendResult) -> None:
    """Each claimed row in turn: rendered, sent, recorded at once; a mail server that failed
    twice in a row, or an endpoint that could not be reached, is not tried again this batch."""
    mail_failures = 0
    unreachable: set[int] = set()
    for delivery in rows:
        if (delivery.channel == Channel.EMAIL and mail_failures >= _MAIL_FAILURES_IN_A_ROW) or (
            delivery.endpoint_id in unreachable
        ):
            result.postponed.append(delivery.pk)
            continue
        batch.lease_renew()
        rendered = None
        if delivery.channel == Channel.EMAIL:
            rendered = batch.email_render(delivery)
            if isinstance(rendered, str):
                code, error, rendered = None, rendered, None
            else:
                code, error = batch.email_send(delivery, rendered)
                mail_failures = mail_failures + 1 if error else 0
        else:
            code, error = batch.webhook_send(delivery)
            if error and code is None and delivery.endpoint_id is not None:
                unreachable.add(delivery.endpoint_id)
        status = _record(delivery, code=code, error=error, at=batch.clock(), rendered=rendered)
        getattr(result, status).append(delivery.pk)
        batch.pending.discard(delivery.pk)


def _record(
    delivery: Delivery, *, code: int | None, error: str, at: dt.datetime, rendered: Rendered | None = None
) -> str:
    """Store one attempt's outcome at once (with an email, what was sent); returns "sent",
    "retry" or "failed". The filter on the pending status keeps the record of a worker that
    finished the row first."""
    mine = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING)
    if not error:
        sent = {"subject": rendered.subject, "text": rendered.text, "html": rendered.html} if rendered else {}
        mine.update(status=DeliveryStatus.SENT, sent_at=at, response_code=code, lease_until=None, last_error="", **sent)
        return "sent"
    permanent = error.startswith(REFUSED) or (
        code is not None and 400 <= code < 500 and code not in _RETRYABLE_CLIENT_ERRORS
    )
    if permanent or delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        mine.update(status=DeliveryStatus.FAILED, response_code=code, lease_until=None, last_error=error)
        logger.warning(
            "notify: %s to %s gave up after %s: %s", delivery.key, _target(delivery), delivery.attempts, error
        )
        return "failed"
    # The lease is kept until the backoff is over: an early task for the row finds it taken.
    retry_at = at + dt.timedelta(seconds=backoff_seconds(delivery.attempts))
    mine.update(response_code=code, lease_until=retry_at, next_attempt_at=retry_at, last_error=error)
    logger.info("notify: %s to %s failed (%s), retry at %s", delivery.key, _target(delivery), error, retry_at)
    return "retry"


@contextmanager
def _commits_without_waiting_for_the_disk() -> Iterator[None]:
    """PostgreSQL: while a batch sends, its commits return before their WAL is flushed to disk.

    The "sent" record is committed (visible to every worker) right after each message, which
    is what bounds a killed worker's re-sends to its message in flight; waiting for the disk
    as well costs ~5 ms a message here (a third of a batch's time). Only a crash of the
    database server itself within a fraction of a second could lose such a record, and the
    message is then sent again with the same Message-ID or delivery id. Set for the session
    while the batch works (each record is then one statement in autocommit, one round trip,
    not four), and reset after it. The ORM cannot set a session variable, hence these two
    statements of SQL; SQLite has no such setting."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
        except Exception:  # the connection broke: it is closed, and the setting with it
            connection.close()


def _postpone(ids: list[int], *, at: dt.datetime) -> None:
    """Rows not tried because their server failed earlier in the batch: the attempt the
    claim counted is given back, and the re-send takes them after the first backoff."""
    retry_at = at + dt.timedelta(seconds=backoff_seconds(1))
    Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).update(
        attempts=F("attempts") - 1, lease_until=None, next_attempt_at=retry_at
    )


def _target(delivery: Delivery) -> str:
    return delivery.to or (delivery.endpoint.name if delivery.endpoint else "?")
