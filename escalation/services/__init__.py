"""How an escalation step is described to people ("75 % of the response time")."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from escalation.models import EscalationStep


def step_describe(step: EscalationStep) -> str:
    """ "75 % of the response time", "the response time + 30 business minutes"."""
    if step.percent_of_target == 100:
        share = _("the response time")
    else:
        share = _("%(percent)s %% of the response time") % {"percent": step.percent_of_target}
    if not step.extra_minutes:
        return share
    return _("%(share)s + %(duration)s of business time") % {
        "share": share,
        "duration": duration_text(dt.timedelta(minutes=step.extra_minutes)),
    }


def duration_text(duration: dt.timedelta) -> str:
    minutes = int(duration.total_seconds() // 60)
    seconds = int(duration.total_seconds() % 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours})
    if minutes:
        parts.append(ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes})
    if seconds and not hours:
        parts.append(ngettext("%(n)s second", "%(n)s seconds", seconds) % {"n": seconds})
    return " ".join(parts) or _("0 minutes")
