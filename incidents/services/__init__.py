"""Writes on incidents (services, HackSoft's sense): this package's names are the app's face.

- `filing`: `incident_create` (the contract, the deadline, the incident, in one lock order);
- `workflow`: status moves, the first response, severity, assignment, duplicates, comments;
- `customer`: what a customer's request does (submitting, confirming, reopening, sharing);
- `escalations`: an escalation's entry on the incident's timeline (written by the escalation app).
"""

from incidents.errors import IncidentError, TransitionNotAllowed  # what the services raise
from incidents.services.filing import Filed, NewIncident, incident_create
from incidents.services.workflow import (
    ALLOWED_TRANSITIONS,
    comment_add,
    incident_assign,
    incident_change_severity,
    incident_close_as_duplicate,
    incident_mark_non_chargeable,
    incident_next_check_now,
    incident_record_first_response,
    incident_transition,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "Filed",
    "IncidentError",
    "NewIncident",
    "TransitionNotAllowed",
    "comment_add",
    "incident_assign",
    "incident_change_severity",
    "incident_close_as_duplicate",
    "incident_create",
    "incident_mark_non_chargeable",
    "incident_next_check_now",
    "incident_record_first_response",
    "incident_transition",
]
