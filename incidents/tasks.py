"""Celery tasks of incidents: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from incidents import notifications


@shared_task(
    name="incidents.submitted_emails_send",
    ignore_result=True,
    acks_late=True,
    soft_time_limit=50,
    time_limit=60,
)
def submitted_emails_send(incident_id: int) -> int:
    """Send the new-incident emails once. Enqueued when the submission commits and by the
    re-send; a redelivery (acks_late after a lost worker) finds them sent and sends nothing."""
    return notifications.incident_submitted_notify_once(incident_id)


@shared_task(name="incidents.submitted_emails_resend", ignore_result=True, soft_time_limit=50, time_limit=60)
def submitted_emails_resend() -> int:
    """Beat runs this every INCIDENT_EMAILS_RESEND_SECONDS: new-incident emails still
    pending (the broker was down at the submission, a worker or the mail server failed)
    are enqueued again; the task's claim keeps each batch to one send."""
    overdue = notifications.submitted_emails_overdue(now=timezone.now())
    for incident_id in overdue:
        submitted_emails_send.delay(incident_id)
    return len(overdue)
