"""The e-mail to an engineer when someone else assigns them an incident (through the outbox)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from incidents.models import Incident
from notify.services import Email, emails_enqueue


def incident_assigned_email_enqueue(
    *, incident: Incident, assignee: AbstractBaseUser, by: AbstractBaseUser, now: dt.datetime
) -> list[int]:
    """Inside the assignment's transaction: one e-mail to the new assignee (none when they
    took it themselves or have no address)."""
    address = getattr(assignee, "email", "")
    if assignee.pk == by.pk or not address:
        return []
    profile = getattr(assignee, "staff_profile", None)
    email = Email(
        to=address,
        template="emails/incidents/assigned",
        context={
            "number": incident.number,
            "title": incident.title,
            "by_name": getattr(by, "get_full_name", lambda: "")() or by.get_username(),
            "response_due_at": incident.response_due_at,
            "admin_url": settings.SITE_URL + reverse("admin:incidents_incident_change", args=[incident.pk]),
        },
        language=settings.LANGUAGE_CODE[:2],
        time_zone=profile.time_zone if profile else "UTC",
    )
    key = f"incident-assigned:{incident.pk}:{assignee.pk}:{int(now.timestamp())}"
    return emails_enqueue(key=key, emails=[email], now=now, reference=incident.number)
