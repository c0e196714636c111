"""Demo incidents in every state, some breached, built through the services."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth import get_user_model

from accounts.models import Organization
from incidents.models import Incident, IncidentKind, IncidentStatus, Visibility
from incidents.services import (
    NewIncident,
    comment_add,
    incident_assign,
    incident_create,
    incident_record_first_response,
    incident_transition,
)
from sla.models import Severity

S = IncidentStatus

# organisation, submitter, hours ago, severity, title, final status, responded?
INCIDENTS = [
    (
        "Fabrikam Inc.",
        "carl@fabrikam.example",
        0.2,
        "A",
        "Warehouse shipments cannot be posted in production",
        S.NEW,
        False,
    ),
    (
        "Fabrikam Inc.",
        "carl@fabrikam.example",
        3,
        "B",
        "Pick list prints blank bin codes after upgrade to 24.3",
        S.NEW,
        False,
    ),
    (
        "Fabrikam Inc.",
        "olivia@fabrikam.example",
        30,
        "C",
        "How do we set up cross-docking for drop shipments?",
        S.RESPONDED,
        True,
    ),
    (
        "Fabrikam Inc.",
        "carl@fabrikam.example",
        80,
        "B",
        "Slow item tracking lookup on large lots",
        S.AWAITING_CUSTOMER,
        True,
    ),
    ("Fabrikam Inc.", "olivia@fabrikam.example", 400, "C", "Put-away template ignores zone ranking", S.RESOLVED, True),
    (
        "Northwind Traders GmbH",
        "nils@northwind.example",
        1,
        "B",
        "Lagerplatzauswahl schlägt bei Chargen fehl",
        S.NEW,
        False,
    ),
    (
        "Northwind Traders GmbH",
        "nils@northwind.example",
        50,
        "A",
        "Job queue entries for replenishment stop every night",
        S.IN_PROGRESS,
        True,
    ),
    (
        "Tailspin Toys K.K.",
        "haruto@tailspin.example",
        6,
        "C",
        "Japanese characters truncated in shipping labels",
        S.NEW,
        False,
    ),
    (
        "Tailspin Toys K.K.",
        "haruto@tailspin.example",
        200,
        "B",
        "Cycle count journal posts to the wrong location",
        S.MITIGATED,
        True,
    ),
    (
        "Alpine Ski House A/S",
        "freja@alpineski.example",
        12,
        "B",
        "Directed put-away fails for rental returns",
        S.NEW,
        False,
    ),
    (
        "Litware Ltd",
        "george@litware.example",
        900,
        "C",
        "Export of warehouse activity to Excel misses columns",
        S.CLOSED,
        True,
    ),
]


def seed(*, now: dt.datetime, stdout) -> None:
    if Incident.objects.exists():
        stdout.write(f"  incidents: {Incident.objects.count()} (kept)")
        return
    users = get_user_model().objects
    engineer = users.get(username="erin")
    for org_name, submitter, hours_ago, severity, title, status, responded in INCIDENTS:
        submitted_at = now - dt.timedelta(hours=hours_ago)
        org = Organization.objects.get(name=org_name)
        incident = incident_create(
            organization=org,
            submitted_by=users.get(username=submitter),
            data=NewIncident(
                title=title,
                description=f"{title}.\n\nSteps to reproduce:\n\n1. Open the warehouse worksheet\n2. Run the action\n3. See the error",
                severity=Severity.objects.get(code=severity),
                kind=IncidentKind.ADVISORY if title.startswith("How") else IncidentKind.BREAK_FIX,
                product_text="Contoso Advanced Warehousing 24.3 on Business Central 2024 release wave 2",
                contact_phone="+1 312 555 0101" if severity == "A" else "",
            ),
            submission_token=uuid.uuid5(uuid.NAMESPACE_URL, f"demo:{title}"),
            now=submitted_at,
        ).incident
        if not responded:
            continue
        answered_at = submitted_at + dt.timedelta(minutes=45)
        incident_assign(incident=incident, assignee=engineer, by=engineer, now=answered_at)
        comment_add(
            incident=incident,
            author=engineer,
            body="Thank you for the details. I am looking at this now and will call you within the hour.",
            now=answered_at,
        )
        incident_record_first_response(incident=incident, by=engineer, now=answered_at)
        path = {
            S.RESPONDED: [],
            S.IN_PROGRESS: [S.IN_PROGRESS],
            S.AWAITING_CUSTOMER: [S.IN_PROGRESS, S.AWAITING_CUSTOMER],
            S.MITIGATED: [S.IN_PROGRESS, S.MITIGATED],
            S.RESOLVED: [S.IN_PROGRESS, S.RESOLVED],
            S.CLOSED: [S.IN_PROGRESS, S.RESOLVED, S.CLOSED],
        }[status]
        step_at = answered_at
        for to_status in path:
            step_at += dt.timedelta(hours=2)
            incident_transition(incident=incident, to_status=to_status, by=engineer, now=step_at)
        comment_add(
            incident=incident,
            author=engineer,
            body="Reproduced on a copy of the database.",
            visibility=Visibility.INTERNAL,
            now=answered_at + dt.timedelta(minutes=5),
        )
    stdout.write(f"  incidents: {Incident.objects.count()}")
