"""The customer's side of an incident: filing it from the form (idempotent by the form's
token), confirming a resolution, reopening, and sharing it with colleagues."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organization, Role
from accounts.selectors import membership_current
from incidents.errors import IncidentError, TransitionNotAllowed
from incidents.models import Incident, IncidentStatus
from incidents.services import (
    NewIncident,
    comment_add,
    incident_create,
    incident_transition,
)

S = IncidentStatus


def incident_submit(
    *,
    organization: Organization,
    submitted_by: AbstractBaseUser,
    data: NewIncident,
    files: Sequence[UploadedFile] = (),
    submission_token: uuid.UUID,
    now: dt.datetime,
) -> tuple[Incident, bool]:
    """File an incident from the customer's form, with its new-incident emails in the
    outbox (`notify`): a worker sends them once the submission commits, and beat's re-send
    does when the broker was down.

    Returns `(incident, created)`: a second post of the same form (same token) gives the
    first incident and `created=False`, and sends nothing again.
    """
    filed = incident_create(
        organization=organization,
        submitted_by=submitted_by,
        data=data,
        files=files,
        submission_token=submission_token,
        now=now,
        emails=True,
    )
    return filed.incident, filed.created


def incident_confirm_resolution(*, incident: Incident, by: AbstractBaseUser, now: dt.datetime) -> Incident:
    """The customer confirms that the resolution works: resolved becomes closed."""
    if incident.status != S.RESOLVED:
        raise TransitionNotAllowed(_("Only a resolved incident can be confirmed as solved."))
    return incident_transition(
        incident=incident, to_status=S.CLOSED, by=by, now=now, note="Resolution confirmed by the customer"
    )


def incident_reopen(*, incident: Incident, by: AbstractBaseUser, reason: str, now: dt.datetime) -> Incident:
    """The customer says the problem is not solved: back to in progress, with their reason as a reply."""
    if incident.status not in (S.RESOLVED, S.CLOSED):
        raise TransitionNotAllowed(_("Only a resolved or closed incident can be reopened."))
    if not reason.strip():
        raise IncidentError(_("Tell us why the problem is not solved."))
    with transaction.atomic():
        incident_transition(incident=incident, to_status=S.IN_PROGRESS, by=by, now=now, note="Reopened by the customer")
        comment_add(incident=incident, author=by, body=reason, now=now)
    return incident


def _may_share(*, incident: Incident, by: AbstractBaseUser) -> bool:
    """An admin of the incident's organisation, or its submitter while they may still submit;
    the role as it is now in the database, not as it was when the request began."""
    mine = membership_current(by)
    if mine is None or mine.organization_id != incident.organization_id:
        return False
    return mine.role == Role.ADMIN or (mine.role == Role.SUBMITTER and incident.submitted_by_id == by.pk)


def incident_share(*, incident: Incident, with_user: AbstractBaseUser, by: AbstractBaseUser) -> Incident:
    """Let a colleague (a submitter of the same organisation) follow the incident too.

    Only the incident's submitter (still a submitter) or an organisation admin may share it.
    """
    with transaction.atomic():
        if not _may_share(incident=incident, by=by):
            raise IncidentError(_("Only the person who filed the incident or an organisation admin can share it."))
        theirs = membership_current(with_user)
        if theirs is None or theirs.organization_id != incident.organization_id or theirs.role != Role.SUBMITTER:
            raise IncidentError(_("Incidents can be shared with submitters of your organisation only."))
        incident.shared_with.add(with_user)
    return incident


def incident_unshare(*, incident: Incident, with_user: AbstractBaseUser, by: AbstractBaseUser) -> Incident:
    with transaction.atomic():
        if not _may_share(incident=incident, by=by):
            raise IncidentError(
                _("Only the person who filed the incident or an organisation admin can stop sharing it.")
            )
        incident.shared_with.remove(with_user)
    return incident
