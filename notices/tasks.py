"""The daily job of customer notices: a thin task calling `notices.services.notices_run`."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from notices.services import notices_run


@shared_task(name="notices.run", ignore_result=True, acks_late=True, soft_time_limit=300, time_limit=360)
def run() -> int:
    """Beat runs this daily; running it again, late, or on two workers at once sends nothing twice."""
    now = timezone.now()
    return sum(o.status == "sent" for o in notices_run(today=now.astimezone(dt.UTC).date(), now=now))
