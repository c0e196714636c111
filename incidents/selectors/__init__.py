"""Reads for the incident pages: access, the lists, the timeline, the SLA state."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import Membership, Role
from accounts.selectors import membership_of
from incidents.models import (
    OPEN_STATUSES,
    Attachment,
    Comment,
    EscalationEntry,
    EscalationKind,
    Incident,
    SeverityChange,
    StatusChange,
    Visibility,
)
from sla.models import Severity


def incidents_visible_to(user) -> QuerySet[Incident]:
    """Incidents a signed-in person may see: staff all; an org admin or viewer the whole
    organisation; a submitter their own and those shared with them. Anonymous: none."""
    qs = Incident.objects.all()
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.is_staff:
        return qs
    membership = membership_of(user)
    if membership is None:
        return qs.none()
    qs = qs.filter(organization_id=membership.organization_id)
    if membership.role in (Role.ADMIN, Role.VIEWER):
        return qs
    return qs.filter(Q(submitted_by=user) | Q(shared_with=user)).distinct()


def incident_get_for_user(*, user, number: str) -> Incident:
    """The incident with this number if `user` may see it, else Http404 (never 403:
    a customer must not learn that another organisation's incident exists)."""
    incident = incident_numbered(
        incidents_visible_to(user).select_related(
            "organization", "severity", "plan", "region", "submitted_by", "assignee", "contract"
        ),
        number,
    )
    if incident is None:
        raise Http404("No such incident")
    return incident


def incident_numbered(incidents: QuerySet[Incident], number: str) -> Incident | None:
    """The incident among `incidents` whose number is `number` (any case), or None: the
    number names the id, and the year must be the one it was submitted in."""
    pk = Incident.id_for_number(number)
    incident = incidents.filter(pk=pk).first() if pk is not None else None
    return incident if incident is not None and incident.number == number.strip().upper() else None


def colleague_get(*, incident: Incident, user_id: int) -> Membership:
    """An active member of the incident's organisation, else Http404: sharing names nobody
    outside it, and an id from elsewhere looks like an id of nobody."""
    membership = (
        Membership.objects.filter(organization_id=incident.organization_id, user_id=user_id, is_active=True)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise Http404("No such colleague")
    return membership


def follower_get(*, incident: Incident, user_id: int):
    """A person the incident is shared with, else Http404."""
    user = incident.shared_with.filter(pk=user_id).first()
    if user is None:
        raise Http404("Not shared with this person")
    return user


# --- The customer's incident pages -----------------------------------------------------


def incidents_for_list(
    *, user, q: str = "", state: str = "", status: str = "", severity: Severity | None = None
) -> QuerySet[Incident]:
    """The "My incidents" list: what `user` may see, filtered, newest first."""
    qs = incidents_visible_to(user).select_related("severity", "submitted_by")
    q = q.strip()
    if q:
        words = Q(title__icontains=q) | Q(description__icontains=q)
        pk = Incident.id_for_reference(q)
        qs = qs.filter(words | Q(pk=pk) if pk is not None else words)
    if state == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif state == "closed":
        qs = qs.exclude(status__in=OPEN_STATUSES)
    if status:
        qs = qs.filter(status=status)
    if severity is not None:
        qs = qs.filter(severity=severity)
    return qs.order_by("-submitted_at", "-pk")


class Audience(StrEnum):
    CUSTOMER = "customer"  # public replies and files, requested escalations
    STAFF = "staff"  # everything: internal notes and files, every escalation


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # "submitted", "comment", "status", "severity" or "escalation"
    at: dt.datetime
    item: object
    attachments: tuple[Attachment, ...] = ()


# Entries at the same instant: the submission first, replies last.
TIMELINE_ORDER = {"submitted": 0, "status": 1, "severity": 1, "escalation": 1, "comment": 2}


def incident_timeline(incident: Incident, audience: Audience) -> list[TimelineEntry]:
    """What happened on the incident, oldest first: the submission with its files, replies
    with theirs, status and severity changes, escalations. Customers see public replies,
    files that are not internal and the escalations people asked for; support sees all
    (five queries)."""
    files = Attachment.objects.order_by("uploaded_at", "pk")
    comments = Comment.objects.filter(incident=incident)
    escalations = EscalationEntry.objects.filter(incident=incident)
    if audience == Audience.CUSTOMER:
        files = files.filter(is_internal=False)
        comments = comments.filter(visibility=Visibility.PUBLIC)
        escalations = escalations.filter(kind=EscalationKind.REQUESTED)
    comments = comments.select_related("author").prefetch_related(Prefetch("attachments", queryset=files))
    entries = [
        TimelineEntry(
            kind="submitted",
            at=incident.submitted_at,
            item=incident,
            attachments=tuple(files.filter(incident=incident, comment__isnull=True)),
        )
    ]
    entries += [
        TimelineEntry(kind="comment", at=c.created_at, item=c, attachments=tuple(c.attachments.all())) for c in comments
    ]
    entries += [
        TimelineEntry(kind="status", at=change.changed_at, item=change)
        for change in StatusChange.objects.filter(incident=incident).select_related("changed_by")
    ]
    entries += [
        TimelineEntry(kind="severity", at=change.changed_at, item=change)
        for change in SeverityChange.objects.filter(incident=incident).select_related(
            "from_severity", "to_severity", "changed_by"
        )
    ]
    entries += [TimelineEntry(kind="escalation", at=e.fired_at, item=e) for e in escalations]
    return sorted(entries, key=lambda e: (e.at, TIMELINE_ORDER[e.kind]))


def attachment_get_for_user(*, user, number: str, pk: int) -> Attachment:
    """A file of an incident `user` may see, never an internal one; else Http404."""
    incident = incident_get_for_user(user=user, number=number)
    attachments = Attachment.objects.filter(incident=incident, pk=pk).select_related("incident")
    if not user.is_staff:
        attachments = attachments.filter(is_internal=False).exclude(comment__visibility=Visibility.INTERNAL)
    attachment = attachments.first()
    if attachment is None:
        raise Http404("No such file")
    return attachment
