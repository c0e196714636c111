from __future__ import annotations

import datetime as dt

from django import template

from escalation.models import EscalationStep
from escalation.services import duration_text, step_describe

register = template.Library()


@register.filter
def business_duration(value: dt.timedelta | None) -> str:
    return "" if value is None else duration_text(value)


@register.filter
def step_moment(step: EscalationStep) -> str:
    return step_describe(step)
