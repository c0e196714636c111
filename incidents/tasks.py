"""Celery tasks of incidents: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from incidents import notifications


@shared_task(
    name="incidents.submitted_emails_send",
    ignore_result=True,
    acks_late=True,
    soft_time_limit=50,
    time_limit=60,
)
def submitted_emails_send(incident_id: int) -> int:
    """Send the new-incident emails once. Enqueued when the submission commits; a
    redelivery (acks_late after a lost worker) finds them marked as sent and sends nothing."""
    return notifications.incident_submitted_notify_once(incident_id)
