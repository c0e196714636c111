"""Saved replies for the reply box: the ones an engineer may use, rendered for an incident
in its customer's language, with the due time in the customer's zone."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import dateformat, translation

from accounts.models import Membership
from incidents.models import Incident, Macro
from incidents.models_desk import PLACEHOLDER_RE


@dataclass(frozen=True)
class RenderedMacro:
    pk: int
    name: str
    text: str
    is_team: bool


def macros_for(user: AbstractBaseUser) -> list[Macro]:
    """The team's saved replies and the engineer's own, with their variants (two queries)."""
    return list(
        Macro.objects.filter(Q(owner__isnull=True) | Q(owner=user)).prefetch_related("variants").order_by("name", "pk")
    )


def incident_language_and_zone(incident: Incident) -> tuple[str, str]:
    """The customer's language and zone: the submitter's membership, else the organisation's."""
    membership = Membership.objects.filter(user_id=incident.submitted_by_id).first()
    if membership is not None:
        return membership.language, membership.time_zone
    organization = incident.organization
    return organization.language, organization.time_zone


def macro_render(macro: Macro, *, incident: Incident, engineer: AbstractBaseUser, language: str, time_zone: str) -> str:
    """The variant in `language` (else English, else any), its placeholders filled in."""
    variants = {v.language: v.body for v in macro.variants.all()}
    body = variants.get(language) or variants.get(settings.LANGUAGE_CODE[:2]) or next(iter(variants.values()), "")
    submitter = incident.submitted_by
    with translation.override(language):
        due = ""
        if incident.response_due_at is not None:
            local = incident.response_due_at.astimezone(ZoneInfo(time_zone))
            due = dateformat.format(local, "D j M Y, H:i T")
        values = {
            "customer_name": submitter.get_full_name() or submitter.email,
            "incident_number": incident.number,
            "incident_title": incident.title,
            "due_at": due,
            "engineer_name": getattr(engineer, "get_full_name", lambda: "")() or engineer.get_username(),
        }
    return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def macros_rendered(*, incident: Incident, engineer: AbstractBaseUser) -> list[RenderedMacro]:
    language, time_zone = incident_language_and_zone(incident)
    return [
        RenderedMacro(
            m.pk,
            m.name,
            macro_render(m, incident=incident, engineer=engineer, language=language, time_zone=time_zone),
            m.owner_id is None,
        )
        for m in macros_for(engineer)
    ]


def macro_usable(*, macro_id: int, user: AbstractBaseUser) -> Macro | None:
    return Macro.objects.filter(Q(owner__isnull=True) | Q(owner=user), pk=macro_id).first()
