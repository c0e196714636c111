from django import template
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def minutes_as_text(minutes: int) -> str:
    """60 -> "1 hour", 90 -> "1 h 30 min", 45 -> "45 minutes"."""
    minutes = int(minutes)
    hours, rest = divmod(minutes, 60)
    if hours and not rest:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    if hours:
        return f"{hours} h {rest} min"
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
