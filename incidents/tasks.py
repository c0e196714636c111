"""Celery tasks of incidents: thin wrappers that call one service."""

from __future__ import annotations

from celery import shared_task

from incidents.inbound_imap import inbound_poll as mailbox_poll


@shared_task(name="incidents.inbound_poll", ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def inbound_poll() -> int:
    """Beat runs this every INBOUND_POLL_SECONDS (with `expires`): answers by e-mail become
    replies or bounces, each once (`incidents.inbound_imap`). Nothing while
    INBOUND_IMAP_URL is unset."""
    return len(mailbox_poll().outcomes)
