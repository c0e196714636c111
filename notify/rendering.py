"""E-mails are rendered when they are sent, from what the producer wrote on the row.

A producer (incidents, escalation) writes a template name, a plain JSON context and the
recipient's language and time zone, inside its own transaction: that costs it no template
rendering (the customer's submission and the sweep do only their own work). The worker
that sends the row renders it here, in that language and zone, and keeps what it sent on the
row (`subject`, `text`, `html`).

The context is JSON, so it carries facts, not model instances: strings, numbers, lists and
dicts, and instants, which `context_encode` writes as ISO 8601 and `context_decode` turns back
into aware datetimes for every key that ends in `_at` (the one naming rule to follow).
A text the reader should see translated is stored as its source text and translated by the
template (`{% translate incident.severity_name %}`).

A template name `emails/incidents/submitted` stands for three files:
`…/submitted.subject.txt`, `…/submitted.txt` and `…/submitted.html`. The plain-text ones
render with auto-escaping off (`{% autoescape off %}` in the files): `R&D` stays `R&D`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone, translation


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def context_encode(context: dict[str, Any]) -> dict[str, Any]:
    """`context` as plain JSON (instants as ISO 8601 strings), as a row stores it."""
    encoded: dict[str, Any] = json.loads(json.dumps(context, cls=DjangoJSONEncoder))
    return encoded


def context_decode(value: Any, key: str = "") -> Any:
    """The stored context back for a template: every `…_at` string is an aware datetime."""
    if isinstance(value, dict):
        return {k: context_decode(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [context_decode(v) for v in value]
    if key.endswith("_at") and isinstance(value, str) and value:
        return dt.datetime.fromisoformat(value)
    return value


def email_render(*, template: str, context: dict[str, Any], language: str, time_zone: str) -> Rendered:
    """Subject, text and HTML of one message, in `language` and with times in `time_zone`."""
    decoded = context_decode(context)
    with translation.override(language or settings.LANGUAGE_CODE), timezone.override(time_zone or settings.TIME_ZONE):
        subject = " ".join(render_to_string(f"{template}.subject.txt", decoded).split())
        text = render_to_string(f"{template}.txt", decoded)
        html = render_to_string(f"{template}.html", decoded)
    return Rendered(subject=subject[:300], text=text, html=html)


class Renderer:
    """Renders each distinct (template, context, language, zone) once: a batch of one
    escalation event's emails to five engineers in the same language renders one message."""

    def __init__(self) -> None:
        self._done: dict[tuple[str, str, str, str], Rendered] = {}

    def __call__(self, *, template: str, context: dict[str, Any], language: str, time_zone: str) -> Rendered:
        key = (template, json.dumps(context, sort_keys=True), language, time_zone)
        if key not in self._done:
            self._done[key] = email_render(template=template, context=context, language=language, time_zone=time_zone)
        return self._done[key]
