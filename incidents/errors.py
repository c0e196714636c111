"""What the incident rules refuse; each message is for the user, and the API maps the code
and status once (`core.errors.DomainError`)."""

from __future__ import annotations

from core.errors import DomainError


class IncidentError(DomainError):
    """A request on an incident that the rules do not allow; the message is for the user."""


class TransitionNotAllowed(IncidentError):
    code = "transition_not_allowed"
    status = 409


class AttachmentRejected(IncidentError):
    """A file over the size limit or of a type not accepted; the message names it."""

    code = "attachment_rejected"
    field = "file"
