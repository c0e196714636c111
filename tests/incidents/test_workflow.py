"""The status workflow: the allowed-transitions table, reopen, audit rows, customer replies."""

from __future__ import annotations

import datetime as dt

import pytest

from incidents.models import IncidentStatus, StatusChange
from incidents.services import ALLOWED_TRANSITIONS, TransitionNotAllowed, comment_add, incident_transition
from tests.conftest import NOW
from tests.incidents.test_admin_queue import file_incident

pytestmark = pytest.mark.django_db
S = IncidentStatus

HAPPY_PATH = [S.RESPONDED, S.IN_PROGRESS, S.AWAITING_CUSTOMER, S.IN_PROGRESS, S.MITIGATED, S.RESOLVED, S.CLOSED]


def test_every_status_has_a_row_in_the_table_and_closed_can_only_reopen():
    assert set(ALLOWED_TRANSITIONS) == set(S.values)
    assert ALLOWED_TRANSITIONS[S.CLOSED] == {S.IN_PROGRESS}
    assert S.NEW not in set().union(*ALLOWED_TRANSITIONS.values())  # nothing goes back to new


def test_the_whole_path_is_audited_with_who_and_when(organization, customer, engineer):
    incident = file_incident(organization, customer)
    at = NOW
    for to_status in HAPPY_PATH:
        at += dt.timedelta(minutes=30)
        incident_transition(incident=incident, to_status=to_status, by=engineer, now=at)
    rows = list(StatusChange.objects.filter(incident=incident).values_list("to_status", "changed_by", "changed_at"))
    assert [r[0] for r in rows] == HAPPY_PATH  # filing is no move: the incident records it
    assert all(r[1] == engineer.pk for r in rows)
    assert rows[-1][2] == at
    incident.refresh_from_db()
    assert incident.closed_at == at


def test_reopen_clears_resolved_and_closed(organization, customer, engineer):
    incident = file_incident(organization, customer)
    incident_transition(incident=incident, to_status=S.RESOLVED, by=engineer, now=NOW)
    incident_transition(incident=incident, to_status=S.CLOSED, by=engineer, now=NOW)
    incident_transition(incident=incident, to_status=S.IN_PROGRESS, by=engineer, now=NOW, note="Came back")
    incident.refresh_from_db()
    assert (incident.status, incident.resolved_at, incident.closed_at) == (S.IN_PROGRESS, None, None)


def test_a_move_the_table_forbids_raises_and_writes_nothing(organization, customer, engineer):
    incident = file_incident(organization, customer)
    with pytest.raises(TransitionNotAllowed, match="cannot become “Mitigated”"):
        incident_transition(incident=incident, to_status=S.MITIGATED, by=engineer, now=NOW)
    assert not StatusChange.objects.filter(incident=incident).exists()


def test_someone_else_moved_it_first(organization, customer, engineer, other_engineer):
    incident = file_incident(organization, customer)
    stale = type(incident).objects.get(pk=incident.pk)
    incident_transition(incident=incident, to_status=S.IN_PROGRESS, by=engineer, now=NOW)
    with pytest.raises(TransitionNotAllowed, match="Someone else changed"):
        incident_transition(incident=stale, to_status=S.AWAITING_CUSTOMER, by=other_engineer, now=NOW)


def test_a_customer_reply_on_an_incident_awaiting_the_customer_moves_it_back(organization, customer, engineer):
    incident = file_incident(organization, customer)
    incident_transition(incident=incident, to_status=S.AWAITING_CUSTOMER, by=engineer, now=NOW)
    comment_add(incident=incident, author=customer, body="Here is the log.", now=NOW + dt.timedelta(hours=1))
    incident.refresh_from_db()
    assert incident.status == S.IN_PROGRESS
    last = StatusChange.objects.filter(incident=incident).last()
    assert (last.changed_by, last.note) == (customer, "Customer replied")


def test_a_staff_reply_on_an_incident_awaiting_the_customer_keeps_waiting(organization, customer, engineer):
    incident = file_incident(organization, customer)
    incident_transition(incident=incident, to_status=S.AWAITING_CUSTOMER, by=engineer, now=NOW)
    comment_add(incident=incident, author=engineer, body="Any news?", now=NOW + dt.timedelta(hours=1))
    incident.refresh_from_db()
    assert incident.status == S.AWAITING_CUSTOMER
