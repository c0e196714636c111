"""The admin index's status line for engineers: a stopped beat is named as the scheduler,
apart from the workers (issue 26.2). Database reads only (no broker call on a page)."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.health import scheduler_check, workers_check

register = template.Library()


@register.simple_tag
def background_problems() -> list[str]:
    """What engineers should know about the background work, in their language."""
    now = timezone.now()
    scheduler, beat_at = scheduler_check(now)
    if scheduler is not None and beat_at is not None:
        return [_("The scheduler stopped: no escalation is checked and no message is re-sent until beat runs again.")]
    if workers_check(now) is not None:
        return [_("No worker has reported for two minutes: messages and escalations wait.")]
    return []
