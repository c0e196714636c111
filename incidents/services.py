"""Writes on incidents: submission, the status workflow, responses, severity, comments.

Every status move goes through `incident_transition`, which checks the allowed-transitions
table and writes a `StatusChange` audit row (filing is no move: the incident's own
`submitted_by` and `submitted_at`, and its first history row, record it). The request does
only the incident's own work: it stores the deadline and the target that applied, and every
change of an input of the escalation watcher (submission, status, severity, first response)
ends with `incident_next_check_now`, so the watcher's next sweep plans the steps.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.entitlements import EntitlementError, contract_for_submission
from accounts.models import Organization
from incidents.attachments import attachment_check, attachments_save
from incidents.errors import IncidentError, TransitionNotAllowed
from incidents.models import (
    Comment,
    Incident,
    IncidentKind,
    IncidentStatus,
    SeverityChange,
    StatusChange,
    Visibility,
)
from incidents.notifications import incident_webhook_enqueue
from incidents.notifications_assign import incident_assigned_email_enqueue
from notify.models import WebhookEvent
from sla import deadlines
from sla.models import Severity

S = IncidentStatus
logger = logging.getLogger(__name__)

# Who may move an incident from which status to which.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    S.NEW: {S.RESPONDED, S.IN_PROGRESS, S.AWAITING_CUSTOMER, S.RESOLVED, S.CLOSED},
    S.RESPONDED: {S.IN_PROGRESS, S.AWAITING_CUSTOMER, S.MITIGATED, S.RESOLVED, S.CLOSED},
    S.IN_PROGRESS: {S.AWAITING_CUSTOMER, S.MITIGATED, S.RESOLVED, S.CLOSED},
    S.AWAITING_CUSTOMER: {S.IN_PROGRESS, S.MITIGATED, S.RESOLVED, S.CLOSED},
    S.MITIGATED: {S.IN_PROGRESS, S.AWAITING_CUSTOMER, S.RESOLVED, S.CLOSED},
    S.RESOLVED: {S.CLOSED, S.IN_PROGRESS},  # back to in progress = reopen
    S.CLOSED: {S.IN_PROGRESS},  # reopen
}


@dataclass(frozen=True)
class NewIncident:
    title: str
    description: str
    severity: Severity
    kind: str = IncidentKind.BREAK_FIX
    product_version_id: int | None = None
    product_text: str = ""
    is_preview_feature: bool = False
    microsoft_case_number: str = ""
    contact_phone: str = ""


def incident_create(
    *,
    organization: Organization,
    submitted_by: AbstractBaseUser,
    data: NewIncident,
    files: Sequence[UploadedFile] = (),
    submission_token: uuid.UUID | None = None,
    now: dt.datetime,
    emails: bool = False,
) -> Incident:
    """File an incident: consume the contract, compute the deadline, store it.

    Raises `accounts.entitlements.EntitlementError` when the organisation cannot submit, and
    `AttachmentRejected` for a file over the limits; nothing is written then. The same
    `submission_token` posted twice returns the first incident. The watcher's sweep, seconds
    later, writes the created webhook and, with `emails`, the new-incident emails to the
    outbox (`incidents.notifications.incident_announce`).
    """
    for upload in files:
        attachment_check(upload)
    try:
        with transaction.atomic():
            contract = contract_for_submission(organization=organization, day=now.date())
            deadline = None
            if not data.is_preview_feature:
                region = organization.region
                target = deadlines.response_target(plan_id=contract.plan_id, severity=data.severity, region=region)
                deadline = deadlines.deadline_for_target(target=target, region=region, submitted_at=now)
            incident = Incident(
                organization=organization,
                contract=contract,
                submitted_by=submitted_by,
                title=data.title,
                description=data.description,
                product_version_id=data.product_version_id,
                product_text=data.product_text,
                plan_id=contract.plan_id,
                severity=data.severity,
                region=organization.region,
                kind=data.kind,
                is_preview_feature=data.is_preview_feature,
                microsoft_case_number=data.microsoft_case_number,
                contact_phone=data.contact_phone,
                status=IncidentStatus.NEW,
                submitted_at=now,
                response_due_at=deadline.due_at if deadline is not None else None,
                response_target_minutes=deadline.target.minutes if deadline is not None else None,
                response_target_coverage=deadline.target.coverage if deadline is not None else "",
                calendar_version=organization.region.version,  # the calendar the deadline is on
                # The watcher's next sweep plans the escalation steps, and writes the created
                # webhook and (with `emails`) the new-incident emails to the outbox.
                next_check_at=now,
                announce="all" if emails else "webhook",
                submission_token=submission_token,
            )
            incident.save(force_insert=True)  # its number is made from its id and year
            attachments_save(incident=incident, comment=None, files=files, by=submitted_by, now=now)
    except (IntegrityError, EntitlementError):
        # The same form posted again (its token is unique), perhaps concurrently, perhaps
        # after the first one used the last incident of the contract: the first one stands.
        if submission_token is not None:
            existing = Incident.objects.filter(submission_token=submission_token).first()
            if existing is not None:
                return existing
        raise
    return incident


def incident_next_check_now(*, incident: Incident, now: dt.datetime) -> None:
    """An input of the escalation watcher changed: its next sweep looks at the incident
    again and plans its steps (`next_check_at` may be early, never late)."""
    incident.next_check_at = now
    Incident.objects.filter(pk=incident.pk).update(next_check_at=now)


def incident_transition(
    *, incident: Incident, to_status: str, by: AbstractBaseUser | None, now: dt.datetime, note: str = ""
) -> Incident:
    """Move the incident to `to_status` if the table allows it, with an audit row.

    Compare-and-set on the current status: if someone else moved it first, this raises
    `TransitionNotAllowed` instead of overwriting their move.
    """
    from_status = incident.status
    if to_status == from_status:
        return incident
    if to_status not in ALLOWED_TRANSITIONS[from_status]:
        raise TransitionNotAllowed(
            _("An incident that is “%(from)s” cannot become “%(to)s”.")
            % {"from": IncidentStatus(from_status).label, "to": IncidentStatus(to_status).label}
        )
    changes: dict[str, object] = {"status": to_status}
    if to_status == S.RESOLVED:
        changes["resolved_at"] = now
    if to_status == S.CLOSED:
        changes["closed_at"] = now
    if from_status in (S.RESOLVED, S.CLOSED) and to_status == S.IN_PROGRESS:
        changes["resolved_at"] = None
        changes["closed_at"] = None
    with transaction.atomic():
        updated = Incident.objects.filter(pk=incident.pk, status=from_status).update(**changes)
        if not updated:
            incident.refresh_from_db()
            raise TransitionNotAllowed(
                _("Someone else changed this incident's status a moment ago; please look again.")
            )
        for field, value in changes.items():
            setattr(incident, field, value)
        change = StatusChange.objects.create(
            incident=incident,
            from_status=from_status,
            to_status=to_status,
            changed_by=by,
            changed_at=now,
            note=note[:300],
        )
        incident_next_check_now(incident=incident, now=now)
        incident_webhook_enqueue(
            key=f"status-change:{change.pk}", event=WebhookEvent.STATUS_CHANGED, incident=incident, now=now
        )
    return incident


def incident_record_first_response(*, incident: Incident, by: AbstractBaseUser, now: dt.datetime) -> bool:
    """Record the initial response once. Returns False if it was already recorded (CAS lost)."""
    with transaction.atomic():
        updated = Incident.objects.filter(pk=incident.pk, first_response_at__isnull=True).update(first_response_at=now)
        if not updated:
            incident.refresh_from_db()
            return False
        incident.first_response_at = now
        if incident.assignee_id is None:
            Incident.objects.filter(pk=incident.pk, assignee__isnull=True).update(assignee=by)
            incident.refresh_from_db(fields=["assignee"])
        if incident.status == S.NEW:
            incident_transition(incident=incident, to_status=S.RESPONDED, by=by, now=now, note="Initial response")
        incident_next_check_now(incident=incident, now=now)
        incident_webhook_enqueue(
            key=f"incident-responded:{incident.pk}", event=WebhookEvent.RESPONDED, incident=incident, now=now
        )
    return True


def incident_change_severity(
    *, incident: Incident, severity: Severity, reason: str, by: AbstractBaseUser | None, now: dt.datetime
) -> Incident:
    """Change the severity: the deadline and the target that applies are recomputed from
    the original submission time, and the watcher plans the steps again."""
    if not reason.strip():
        raise IncidentError(_("Give a reason for the severity change."))
    if severity.pk == incident.severity_id:
        return incident
    previous_severity = incident.severity
    previous_due = incident.response_due_at
    deadline = None
    if not incident.is_preview_feature:
        deadline = deadlines.deadline(  # on the calendar the incident was filed under
            plan=incident.plan,
            severity=severity,
            region=incident.region,
            submitted_at=incident.submitted_at,
            version=incident.calendar_version,
        )
    new_due = deadline.due_at if deadline is not None else None
    with transaction.atomic():
        incident.severity = severity
        incident.response_due_at = new_due
        incident.response_target_minutes = deadline.target.minutes if deadline is not None else None
        incident.response_target_coverage = deadline.target.coverage if deadline is not None else ""
        incident.response_warning_at = None  # until the watcher has planned the new target's steps
        incident._change_reason = reason  # simple-history records it with the change
        incident.save(
            update_fields=[
                "severity",
                "response_due_at",
                "response_target_minutes",
                "response_target_coverage",
                "response_warning_at",
                "updated_at",
            ]
        )
        SeverityChange.objects.create(
            incident=incident,
            from_severity=previous_severity,
            to_severity=severity,
            previous_due_at=previous_due,
            new_due_at=new_due,
            reason=reason[:300],
            changed_by=by,
            changed_at=now,
        )
        incident_next_check_now(incident=incident, now=now)
    return incident


def incident_assign(
    *, incident: Incident, assignee: AbstractBaseUser | None, by: AbstractBaseUser, now: dt.datetime
) -> Incident:
    """Assign (or unassign); someone else's new assignee is told by e-mail (the outbox)."""
    with transaction.atomic():
        changed = assignee is not None and incident.assignee_id != assignee.pk
        incident.assignee = assignee
        incident._change_reason = f"Assigned by {by}"
        incident.save(update_fields=["assignee", "updated_at"])
        if changed and assignee is not None:
            incident_assigned_email_enqueue(incident=incident, assignee=assignee, by=by, now=now)
    return incident


def incident_mark_non_chargeable(*, incident: Incident, reason: str, by: AbstractBaseUser) -> Incident:
    """Give the incident back to the contract (our defect, duplicate, cancelled)."""
    if not reason.strip():
        raise IncidentError(_("Give a reason, e.g. product defect, duplicate or cancelled."))
    incident.is_chargeable = False
    incident.non_chargeable_reason = reason[:200]
    incident._change_reason = f"Non-chargeable: {reason}"[:100]
    incident.save(update_fields=["is_chargeable", "non_chargeable_reason", "updated_at"])
    return incident


def incident_close_as_duplicate(
    *, incident: Incident, original: Incident, by: AbstractBaseUser, now: dt.datetime
) -> Incident:
    if original.pk == incident.pk:
        raise IncidentError(_("An incident cannot be a duplicate of itself."))
    if original.organization_id != incident.organization_id:
        raise IncidentError(_("The original incident belongs to another organisation."))
    with transaction.atomic():
        incident.duplicate_of = original
        incident.save(update_fields=["duplicate_of", "updated_at"])
        incident_mark_non_chargeable(incident=incident, reason=f"Duplicate of {original.number}", by=by)
        incident_transition(
            incident=incident, to_status=S.CLOSED, by=by, now=now, note=f"Duplicate of {original.number}"
        )
    return incident


def comment_add(
    *,
    incident: Incident,
    author: AbstractBaseUser,
    body: str,
    visibility: str = Visibility.PUBLIC,
    files: Sequence[UploadedFile] = (),
    now: dt.datetime,
) -> Comment:
    """Add a reply or internal note, with side effects on the workflow.

    A staff member's first public reply records the initial response; a customer's reply
    on an incident awaiting the customer moves it back to in progress.
    """
    if not body.strip():
        raise IncidentError(_("Write a message."))
    is_staff = bool(getattr(author, "is_staff", False))
    if visibility == Visibility.INTERNAL and not is_staff:
        raise IncidentError(_("Only support staff can write internal notes."))
    for upload in files:
        attachment_check(upload)
    with transaction.atomic():
        comment = Comment.objects.create(
            incident=incident, author=author, body=body, visibility=visibility, is_staff_author=is_staff, created_at=now
        )
        attachments_save(
            incident=incident,
            comment=comment,
            files=files,
            by=author,
            now=now,
            is_internal=visibility == Visibility.INTERNAL,
        )
        if is_staff and visibility == Visibility.PUBLIC and incident.first_response_at is None:
            incident_record_first_response(incident=incident, by=author, now=now)
        if not is_staff and incident.status == S.AWAITING_CUSTOMER:
            incident_transition(incident=incident, to_status=S.IN_PROGRESS, by=author, now=now, note="Customer replied")
    return comment
