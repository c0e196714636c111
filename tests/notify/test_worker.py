"""The outbox end to end with real Celery workers: the guarantees that need real processes.

A worker SIGKILLed in the middle of a batch of escalation deliveries loses nothing, sends
again at most the one message it was sending, every email keeps its Message-ID and every
post its delivery id, and another worker takes its deliveries within 30 s (the lease plus
the re-send's period, with the production settings). The new-incident emails go out from
a worker, and from the re-send when the broker was down at the submission.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from escalation.watcher import escalation_sweep
from incidents.services import NewIncident
from incidents.services.customer import incident_submit
from notify import tasks
from notify.models import Delivery, DeliveryStatus, WebhookEndpoint
from notify.sending import message_id
from tests.escalation.test_worker import kill_with_children, wait_for
from tests.factories import severity
from tests.notify.receiver import start_receiver

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mail_dir(monkeypatch, tmp_path) -> Path:
    from portal.celery import app

    app.control.purge()  # no task left over from an earlier test of this run
    folder = tmp_path / "mail"
    monkeypatch.setenv("EMAIL_URL", f"filemail:///{folder}")  # read by the workers
    return folder


def message_ids(folder: Path) -> list[str]:
    """Every Message-ID the file backend wrote (a file per connection, flushed per message)."""
    if not folder.is_dir():
        return []
    return [
        line.split(":", 1)[1].strip()
        for path in sorted(folder.glob("*.log"))
        for line in path.read_text().splitlines()
        if line.startswith("Message-ID:")
    ]


def test_a_worker_killed_in_the_middle_of_a_batch_loses_nothing_and_resends_at_most_its_message_in_flight(
    celery_worker_process, mail_dir, file_incident
):
    # Production lease and re-send period: the 30 s bound is the one users get.
    assert settings.NOTIFY_LEASE_SECONDS + settings.NOTIFY_RESEND_SECONDS <= 30
    state, server = start_receiver(delay=0.1)  # a receiver that takes its time
    try:
        WebhookEndpoint.objects.create(name="Ops", url=state.url, on_escalated=True)
        # Twenty incidents whose warning is due: twenty emails and twenty posts, one batch.
        for _ in range(20):
            file_incident(at=timezone.now() - dt.timedelta(minutes=50))
        doomed = celery_worker_process("doomed")
        escalation_sweep(now=timezone.now())  # commits, and enqueues the batch
        assert Delivery.objects.count() == 40
        wait_for(lambda: len(state.received) >= 8, timeout=60, message="the batch to be half way")
        kill_with_children(doomed)
        killed_at = time.monotonic()
        held = set(
            Delivery.objects.filter(status=DeliveryStatus.PENDING, lease_until__isnull=False).values_list(
                "pk", flat=True
            )
        )
        assert held, "the killed worker held no deliveries"
        celery_worker_process("rescuer", beat=True)
        wait_for(
            lambda: not Delivery.objects.filter(pk__in=held, status=DeliveryStatus.PENDING).exists(),
            timeout=40,
            message="the killed worker's deliveries to be sent by another",
        )
        picked_up_after = time.monotonic() - killed_at
        wait_for(
            lambda: not Delivery.objects.filter(status=DeliveryStatus.PENDING).exists(),
            timeout=30,
            message="every delivery sent",
        )
    finally:
        state.release.set()
        server.shutdown()
    assert picked_up_after <= 30, picked_up_after
    emails = list(Delivery.objects.filter(channel="email"))
    posts = list(Delivery.objects.filter(channel="webhook"))
    # Nothing lost: every email and every post arrived, each with its row's identity.
    sent_ids = Counter(message_ids(mail_dir))
    assert set(sent_ids) == {message_id(row) for row in emails}
    received = Counter(post.headers["x-portal-delivery"] for post in state.received)
    assert set(received) == {str(row.uuid) for row in posts}
    assert {post.json["id"] for post in state.received} == {str(row.uuid) for row in posts}
    # Duplicates: at most the message in flight of the one killed worker process.
    duplicates = sum(n - 1 for n in sent_ids.values()) + sum(n - 1 for n in received.values())
    assert duplicates <= 1, (sent_ids, received)


def submit(organization, customer):
    return incident_submit(
        organization=organization,
        submitted_by=customer,
        data=NewIncident(title="Bin codes", description="x", severity=severity("B"), product_text="CAW 24.3"),
        submission_token=uuid.uuid4(),
        now=timezone.now(),
    )


def recipients(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    text = "".join(path.read_text() for path in sorted(folder.glob("*.log")))
    return [line for line in text.splitlines() if line.startswith("To: ")]


def test_a_worker_sends_the_new_incident_emails_once_and_a_redelivery_sends_none(
    celery_worker_process, mail_dir, organization, customer
):
    incident, created = submit(organization, customer)
    assert created
    escalation_sweep(now=timezone.now())  # writes the emails; committed: the task is on the queue now
    worker = celery_worker_process("mail")
    wait_for(lambda: len(recipients(mail_dir)) == 2, message="the submitter's and the team's email")
    assert sorted(recipients(mail_dir)) == sorted([f"To: {customer.email}", f"To: {settings.SUPPORT_TEAM_EMAIL}"])
    ids = sorted(Delivery.objects.filter(reference=incident.number).values_list("pk", flat=True))
    tasks.deliver.delay(ids)  # as if redelivered after a lost worker
    log = Path(settings.VAR_DIR) / f"test-worker-{os.getpid()}-mail.log"

    def finished() -> list[str]:
        return [line for line in log.read_text().splitlines() if "notify.deliver[" in line and "succeeded" in line]

    wait_for(lambda: len(finished()) == 2, message="the second task to finish")
    assert [line.rsplit(": ", 1)[1] for line in finished()] == ["2", "0"]  # emails sent by each run
    assert len(recipients(mail_dir)) == 2
    assert worker.poll() is None


def test_emails_that_could_not_be_enqueued_are_sent_by_the_worker_on_the_resend(
    celery_worker_process, mail_dir, organization, customer, monkeypatch, settings
):
    from kombu.exceptions import OperationalError

    settings.NOTIFY_RESEND_AFTER_SECONDS = 0  # this process writes the rows

    def broker_down(*args):
        raise OperationalError("Connection refused")

    incident, created = submit(organization, customer)
    assert created
    with monkeypatch.context() as down:
        down.setattr(tasks.deliver, "delay", broker_down)
        escalation_sweep(now=timezone.now())  # writes the emails, cannot enqueue them
    worker = celery_worker_process("mail")
    tasks.resend.delay()  # as beat does every NOTIFY_RESEND_SECONDS
    wait_for(lambda: len(recipients(mail_dir)) == 2, message="the submitter's and the team's email")
    assert sorted(recipients(mail_dir)) == sorted([f"To: {customer.email}", f"To: {settings.SUPPORT_TEAM_EMAIL}"])
    wait_for(
        lambda: not Delivery.objects.filter(reference=incident.number, status=DeliveryStatus.PENDING).exists(),
        message="the outbox to be cleared",
    )
    assert worker.poll() is None
