from django import template
from django.utils.safestring import SafeString

from core.markdown import render_markdown
from sla.clock import SlaClock, sla_clock

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    """Markdown to sanitised HTML (see `core.markdown`)."""
    return render_markdown(text)


@register.filter
def filesize(size: int) -> str:
    size = int(size or 0)
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


@register.filter
def response_clock(incident, now) -> SlaClock:
    """`{% with clock=incident|response_clock:now %}`: the incident's `sla_clock` at `now`."""
    return sla_clock(incident, now)
