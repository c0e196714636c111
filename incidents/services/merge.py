"""Merging a duplicate into its primary, for real, and undoing it.

The merge builds on `incident_close_as_duplicate`: the duplicate's comments, attachments and
followers move to the primary, an `IncidentMerge` row records the ids of what moved, the
duplicate closes with a note that links the primary, and each customer is told through the
outbox. A lead can undo it: the recorded rows move back and the duplicate reopens.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Membership
from incidents.errors import IncidentError
from incidents.models import Attachment, Comment, Incident, IncidentMerge, IncidentStatus
from incidents.notifications import incident_url
from incidents.services import incident_close_as_duplicate, incident_transition
from notify.services import Email, emails_enqueue


def incident_merge(*, duplicate: Incident, primary: Incident, by: AbstractBaseUser, now: dt.datetime) -> IncidentMerge:
    """Move the duplicate's conversation and followers to the primary and close it as its duplicate."""
    if duplicate.pk == primary.pk:
        raise IncidentError(_("An incident cannot be a duplicate of itself."))
    if duplicate.organization_id != primary.organization_id:
        raise IncidentError(_("Incidents of two organisations cannot be merged."))
    if not duplicate.is_open:
        raise IncidentError(_("Only an open incident can be merged into another."))
    with transaction.atomic():
        was_chargeable = duplicate.is_chargeable
        comment_ids = list(Comment.objects.filter(incident=duplicate).values_list("pk", flat=True))
        attachment_ids = list(Attachment.objects.filter(incident=duplicate).values_list("pk", flat=True))
        Comment.objects.filter(pk__in=comment_ids).update(incident=primary)
        Attachment.objects.filter(pk__in=attachment_ids).update(incident=primary)
        present = set(primary.shared_with.values_list("pk", flat=True)) | {primary.submitted_by_id}
        wanted = [*duplicate.shared_with.values_list("pk", flat=True), duplicate.submitted_by_id]
        watcher_ids = sorted({pk for pk in wanted if pk not in present})
        primary.shared_with.add(*watcher_ids)
        incident_close_as_duplicate(incident=duplicate, original=primary, by=by, now=now)
        merge = IncidentMerge.objects.create(
            duplicate=duplicate,
            primary=primary,
            comment_ids=comment_ids,
            attachment_ids=attachment_ids,
            watcher_ids=watcher_ids,
            was_chargeable=was_chargeable,
            merged_by=by,
            merged_at=now,
        )
        _customers_tell(merge=merge, now=now)
    return merge


def incident_merge_undo(*, merge: IncidentMerge, by: AbstractBaseUser, now: dt.datetime) -> IncidentMerge:
    """Move back what the merge moved and reopen the duplicate (leads only: checked by the caller)."""
    with transaction.atomic():
        undone = IncidentMerge.objects.filter(pk=merge.pk, undone_at__isnull=True).update(undone_at=now, undone_by=by)
        if not undone:
            raise IncidentError(_("This merge has already been undone."))
        duplicate, primary = merge.duplicate, merge.primary
        Comment.objects.filter(pk__in=merge.comment_ids, incident=primary).update(incident=duplicate)
        Attachment.objects.filter(pk__in=merge.attachment_ids, incident=primary).update(incident=duplicate)
        primary.shared_with.remove(*merge.watcher_ids)
        Incident.objects.filter(pk=duplicate.pk).update(
            duplicate_of=None,
            is_chargeable=merge.was_chargeable,
            non_chargeable_reason="" if merge.was_chargeable else duplicate.non_chargeable_reason,
        )
        duplicate.refresh_from_db()
        if duplicate.status == IncidentStatus.CLOSED:
            incident_transition(
                incident=duplicate, to_status=IncidentStatus.IN_PROGRESS, by=by, now=now, note="Merge undone"
            )
        merge.undone_at, merge.undone_by = now, by
    return merge


def _customers_tell(*, merge: IncidentMerge, now: dt.datetime) -> list[int]:
    """One e-mail to the customer of each incident (each address once), in their language."""
    duplicate, primary = merge.duplicate, merge.primary
    emails, seen = [], set()
    for incident in (duplicate, primary):
        user = incident.submitted_by
        address = (user.email or "").strip().lower()
        if not address or address in seen:
            continue
        seen.add(address)
        membership = Membership.objects.filter(user=user).first()
        emails.append(
            Email(
                to=user.email,
                template="emails/incidents/merged",
                context={
                    "duplicate_number": duplicate.number,
                    "primary_number": primary.number,
                    "primary_title": primary.title,
                    "url": incident_url(primary),
                    "PRODUCT_NAME": settings.PRODUCT_NAME,
                },
                language=membership.language if membership else settings.LANGUAGE_CODE[:2],
                time_zone=membership.time_zone if membership else "UTC",
            )
        )
    return emails_enqueue(key=f"incident-merged:{merge.pk}", emails=emails, now=now, reference=duplicate.number)
