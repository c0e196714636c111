"""Filing an incident: the contract consumed, the deadline computed, the incident stored.

The request does only the incident's own work: it stores the deadline, the target and the
calendar version that applied, and sets `next_check_at` to now, so the watcher's next sweep
plans the steps and announces the incident (`announcement`). Locks are taken in the one
order of docs/ARCHITECTURE.md ("Lock order").
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Exists

from accounts.entitlements import EntitlementError, contract_for_submission
from accounts.models import Organization
from incidents.attachments import attachment_check, attachments_save
from incidents.models import (
    Announcement,
    Incident,
    IncidentKind,
    IncidentStatus,
)
from sla import deadlines
from sla.models import Severity

logger = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class Filed:
    """What `incident_create` did: `created` is False for a re-post (the token's incident)."""

    incident: Incident
    created: bool


def incident_create(
    *,
    organization: Organization,
    submitted_by: AbstractBaseUser,
    data: NewIncident,
    files: Sequence[UploadedFile] = (),
    submission_token: uuid.UUID | None = None,
    now: dt.datetime,
    emails: bool = False,
) -> Filed:
    """File an incident: consume the contract, compute the deadline, store it.

    Raises `accounts.entitlements.EntitlementError` when the organisation cannot submit, and
    `AttachmentRejected` for a file over the limits; nothing is written then. The same
    `submission_token` posted again returns the first incident (`created=False`), found by
    its token before anything is locked. The watcher's sweep, seconds later, writes the
    created webhook and, with `emails`, the new-incident emails to the outbox (the incident's
    `announcement`, read by `incidents.notifications.incident_announce`).

    Locks are taken in the one order of docs/ARCHITECTURE.md ("Lock order"): the token's
    unique index entry is looked at first, then the contract row, then the incident row is
    written. A deadlock that happens all the same (another path breaking the order) is
    retried once here, never shown to the client.
    """
    for upload in files:
        attachment_check(upload)
    filing = {
        "organization": organization,
        "submitted_by": submitted_by,
        "data": data,
        "files": files,
        "submission_token": submission_token,
        "now": now,
        "emails": emails,
    }
    try:
        return _incident_file(**filing)
    except OperationalError as error:
        if not _is_deadlock(error):
            raise
        logger.warning("incident submission: deadlock, retrying once (token %s)", submission_token)
    return _incident_file(**filing)


def _is_deadlock(error: OperationalError) -> bool:
    """PostgreSQL chose this transaction as a deadlock's victim (SQLSTATE 40P01)."""
    return getattr(error.__cause__, "sqlstate", None) == "40P01"


def _filed_with(token: uuid.UUID | None) -> Incident | None:
    if token is None:
        return None
    return Incident.objects.filter(submission_token=token).first()


def _incident_file(
    *,
    organization: Organization,
    submitted_by: AbstractBaseUser,
    data: NewIncident,
    files: Sequence[UploadedFile],
    submission_token: uuid.UUID | None,
    now: dt.datetime,
    emails: bool,
) -> Filed:
    filed = Incident.objects.filter(submission_token=submission_token)
    try:
        with transaction.atomic():
            # One statement: the contract is locked unless the token already filed an
            # incident (a re-post then locks nothing and waits for no one).
            contract = contract_for_submission(
                organization=organization,
                day=now.date(),
                unless=Exists(filed) if submission_token is not None else None,
            )
            if contract is None and (existing := _filed_with(submission_token)) is not None:
                return Filed(existing, created=False)
            contract = contract or contract_for_submission(organization=organization, day=now.date())
            assert contract is not None  # noqa: S101 - without `unless` it raises or returns one
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
                announcement=Announcement.WEBHOOK_AND_EMAILS if emails else Announcement.WEBHOOK,
                submission_token=submission_token,
            )
            incident.save(force_insert=True)  # its number is made from its id and year
            attachments_save(incident=incident, comment=None, files=files, by=submitted_by, now=now)
    except (IntegrityError, EntitlementError):
        # The same form posted concurrently (its token is unique) and committed first, perhaps
        # using the last incident of the contract: the first one stands.
        existing = _filed_with(submission_token)
        if existing is not None:
            return Filed(existing, created=False)
        raise
    return Filed(incident, created=True)
