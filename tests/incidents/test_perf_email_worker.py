"""The new-incident emails end to end: a real Celery worker runs the task enqueued on commit,
a redelivered task sends nothing again, and emails that could not be enqueued go out on
the re-send."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from incidents import tasks
from incidents.models import Incident
from incidents.services import NewIncident, incident_submit
from incidents.tasks import submitted_emails_send
from tests.factories import severity

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(condition, *, timeout: float = 60, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {message}")


def submit(organization, customer):
    return incident_submit(
        organization=organization,
        submitted_by=customer,
        data=NewIncident(title="Bin codes", description="x", severity=severity("B"), product_text="CAW 24.3"),
        submission_token=uuid.uuid4(),
        now=timezone.now(),
    )


def messages_in(folder: Path) -> list[str]:
    """The messages the file mail backend wrote (each starts with its headers)."""
    if not folder.is_dir():
        return []
    text = "".join(path.read_text() for path in sorted(folder.iterdir()))
    return [line for line in text.splitlines() if line.startswith("To: ")]


def test_a_worker_sends_each_recipient_one_email_and_a_redelivery_sends_none(
    celery_worker_process, organization, customer, monkeypatch, tmp_path
):
    from portal.celery import app

    app.control.purge()
    mail_dir = tmp_path / "mail"
    monkeypatch.setenv("EMAIL_URL", f"filemail:///{mail_dir}")  # read by the worker
    incident, created = submit(organization, customer)
    assert created  # committed (autocommit): the task is on the queue now
    worker = celery_worker_process("mail")
    wait_for(lambda: len(messages_in(mail_dir)) == 2, message="the submitter's and the team's email")
    assert sorted(messages_in(mail_dir)) == sorted([f"To: {customer.email}", f"To: {settings.SUPPORT_TEAM_EMAIL}"])

    submitted_emails_send.delay(incident.pk)  # as if redelivered after a lost worker
    log = Path(settings.VAR_DIR) / f"test-worker-{os.getpid()}-mail.log"

    def finished() -> list[str]:
        return [
            line for line in log.read_text().splitlines() if "submitted_emails_send[" in line and "succeeded" in line
        ]

    wait_for(lambda: len(finished()) == 2, message="the second task to finish")
    assert [line.rsplit(": ", 1)[1] for line in finished()] == ["2", "0"]  # emails sent by each run
    assert len(messages_in(mail_dir)) == 2
    assert worker.poll() is None


def test_emails_that_could_not_be_enqueued_are_sent_by_the_worker_on_the_resend(
    celery_worker_process, organization, customer, monkeypatch, tmp_path
):
    from kombu.exceptions import OperationalError

    from portal.celery import app

    app.control.purge()
    mail_dir = tmp_path / "mail"
    monkeypatch.setenv("EMAIL_URL", f"filemail:///{mail_dir}")  # read by the worker
    monkeypatch.setenv("INCIDENT_EMAILS_RESEND_AFTER_SECONDS", "0")

    def broker_down(*args):
        raise OperationalError("Connection refused")

    with monkeypatch.context() as down:
        down.setattr(submitted_emails_send, "delay", broker_down)
        incident, created = submit(organization, customer)
    assert created
    assert Incident.objects.get(pk=incident.pk).emails_pending is True
    worker = celery_worker_process("mail")
    tasks.submitted_emails_resend.delay()  # as beat does every INCIDENT_EMAILS_RESEND_SECONDS
    wait_for(lambda: len(messages_in(mail_dir)) == 2, message="the submitter's and the team's email")
    assert sorted(messages_in(mail_dir)) == sorted([f"To: {customer.email}", f"To: {settings.SUPPORT_TEAM_EMAIL}"])
    wait_for(lambda: not Incident.objects.get(pk=incident.pk).emails_pending, message="the outbox to be cleared")
    assert worker.poll() is None
