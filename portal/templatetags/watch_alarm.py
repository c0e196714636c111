"""`{% watch_alarm_banner %}`: the red banner of the admin's pages (portal/watch_alarm.py)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from portal.watch_alarm import watch_alarm, what_stops

register = template.Library()


@register.inclusion_tag("admin/_watch_alarm.html", takes_context=True)
def watch_alarm_banner(context) -> dict[str, object]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return {"alarm": None}
    alarm = watch_alarm(now=timezone.now())
    if alarm is None:
        return {"alarm": None}
    return {"alarm": alarm, "stops": [(what_stops(name), problem) for name, problem in alarm.problems.items()]}
