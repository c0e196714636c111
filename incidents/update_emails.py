"""The incident update e-mails: what happened on an incident, to the people it concerns.

| event (service) | kind | to |
| --- | --- | --- |
| a public reply by an engineer (`comment_add`) | reply | the submitter and the watchers (`shared_with`) |
| a move to awaiting customer, resolved or closed (`incident_transition`) | status | the same |
| a customer's escalation request recorded (`escalation_request_by_customer`) | escalation | that customer |
| an assignment (`incident_assign`, via `notifications`) | assignment | the new assignee |
| a customer's reply (`comment_add`) | customer_reply | the assignee |

Each is written to the outbox in the change's transaction (one query for the people, one
for their opt-outs, one insert), rendered by the worker in the recipient's language and
zone. Every e-mail names the incident's thread (`thread_headers`), carries the person's
reply address as `Reply-To` when the portal takes e-mail in, and an RFC 8058 one-click
unsubscribe link for its kind (`accounts.unsubscribe`). Never for an internal note.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.urls import reverse
from django.utils import translation

from accounts.models import EmailKind
from accounts.unsubscribe import email_opted_out, unsubscribe_headers, unsubscribe_url
from incidents.models import Comment, Incident, IncidentStatus
from incidents.reply_addresses import reply_address, thread_headers
from notify.services import Email, emails_enqueue

# The status moves the customer hears of: one asks something of them, two end the incident.
STATUSES_TO_TELL = frozenset({IncidentStatus.AWAITING_CUSTOMER, IncidentStatus.RESOLVED, IncidentStatus.CLOSED})
TEMPLATE = "emails/incidents/update"


def _language_and_zone(user: Any) -> tuple[str, str]:
    membership = getattr(user, "membership", None)
    if membership is not None:
        return membership.language, membership.time_zone
    profile = getattr(user, "staff_profile", None)
    return settings.LANGUAGE_CODE, profile.time_zone if profile is not None else settings.TIME_ZONE


def _customers(incident: Incident) -> list[Any]:
    """The submitter and the watchers, active contacts with an address (one query)."""
    users = (
        get_user_model()
        .objects.filter(Q(pk=incident.submitted_by_id) | Q(shared_incidents=incident), is_active=True)
        .select_related("membership", "staff_profile")
        .distinct()
        .order_by("pk")
    )
    return [u for u in users if u.email and getattr(getattr(u, "membership", None), "is_active", True)]


def _source_text(label: Any) -> str:
    with translation.override(None):  # the msgid: the template translates it per recipient
        return str(label)


def update_emails_enqueue(
    *,
    incident: Incident,
    kind: str,
    key: str,
    people: Iterable[Any],
    now: dt.datetime,
    context: dict[str, Any] | None = None,
) -> list[int]:
    """Inside the change's transaction: one e-mail of `kind` about `incident` to each of
    `people` (users, their membership or staff profile loaded) who did not turn it off."""
    unique = {p.pk: p for p in people if p is not None and p.email}
    off = email_opted_out(user_ids=unique, kind=kind)
    facts = {
        "kind": kind,
        "incident": {"number": incident.number, "title": incident.title},
        "occurred_at": now,
        "url": settings.SITE_URL + reverse("incidents:detail", args=[incident.number]),
        "PRODUCT_NAME": settings.PRODUCT_NAME,
        "VENDOR_NAME": settings.VENDOR_NAME,
        **(context or {}),
    }
    emails = []
    for user in unique.values():
        if user.pk in off:
            continue
        language, zone = _language_and_zone(user)
        stop_url = unsubscribe_url(user_id=user.pk, kind=kind)
        headers = {**thread_headers(incident.pk), **unsubscribe_headers(stop_url)}
        answer_to = reply_address(incident_id=incident.pk, user_id=user.pk)
        if answer_to is not None:
            headers["Reply-To"] = answer_to
        emails.append(
            Email(
                to=user.email,
                template=TEMPLATE,
                context={**facts, "viewer_zone": zone, "can_reply": answer_to is not None, "unsubscribe_url": stop_url},
                language=language,
                time_zone=zone,
                headers=headers,
            )
        )
    return emails_enqueue(key=key, emails=emails, now=now, reference=incident.number)


def comment_emails_enqueue(*, comment: Comment, now: dt.datetime) -> list[int]:
    """A public reply by an engineer → the customers; a customer's reply → the assignee."""
    incident = comment.incident
    if comment.visibility != "public":
        return []
    author = comment.author
    context = {"author_name": author.get_full_name() or author.get_username(), "body": comment.body}
    if comment.is_staff_author:
        people = [u for u in _customers(incident) if u.pk != author.pk]
        return update_emails_enqueue(
            incident=incident,
            kind=EmailKind.REPLY,
            key=f"incident-reply:{comment.pk}",
            people=people,
            now=now,
            context=context,
        )
    if incident.assignee_id is None or incident.assignee_id == author.pk:
        return []
    assignee = get_user_model().objects.select_related("staff_profile").filter(pk=incident.assignee_id).first()
    return update_emails_enqueue(
        incident=incident,
        kind=EmailKind.CUSTOMER_REPLY,
        key=f"incident-customer-reply:{comment.pk}",
        people=[assignee],
        now=now,
        context=context,
    )


def status_emails_enqueue(*, incident: Incident, change_id: int, to_status: str, now: dt.datetime) -> list[int]:
    """A move that asks something of the customer or ends the incident → the customers."""
    if to_status not in STATUSES_TO_TELL:
        return []
    return update_emails_enqueue(
        incident=incident,
        kind=EmailKind.STATUS,
        key=f"incident-status:{change_id}",
        people=_customers(incident),
        now=now,
        context={"status": to_status, "status_label": _source_text(IncidentStatus(to_status).label)},
    )


def escalation_accepted_email_enqueue(
    *, incident: Incident, requested_by: AbstractBaseUser, request_id: int, now: dt.datetime
) -> list[int]:
    """A customer's escalation request was recorded and the contacts paged → that customer."""
    return update_emails_enqueue(
        incident=incident,
        kind=EmailKind.ESCALATION,
        key=f"escalation-accepted:{request_id}",
        people=[requested_by],
        now=now,
    )


def assigned_email_enqueue(*, incident: Incident, assignee: AbstractBaseUser, now: dt.datetime) -> list[int]:
    return update_emails_enqueue(
        incident=incident,
        kind=EmailKind.ASSIGNMENT,
        key=f"incident-assigned:{incident.pk}:{assignee.pk}:{now:%Y%m%dT%H%M%S%f}",
        people=[assignee],
        now=now,
    )
