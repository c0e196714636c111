"""`{{ contract.ends_on|as_date|date:_("j F Y") }}`: a notice's dates travel as ISO strings."""

from __future__ import annotations

import datetime as dt

from django import template

register = template.Library()


@register.filter
def as_date(value: str) -> dt.date | str:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
