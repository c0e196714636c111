"""Issue 34: an incident's escalation steps are fixed on the calendar it was filed under.

North America is open 06:00–18:00 in Los Angeles (14:00–02:00 UTC in November); the
organisation's plan gives severity B 120 minutes of business hours, and B's default policy
warns at 75 %, breaches at 100 %, and raises level 2 and 3 after 60 and 240 more minutes.
"""

from __future__ import annotations

import datetime as dt

import pytest

from escalation.models import EscalationPolicy
from escalation.planning import PlanError, plan_check
from escalation.watcher import escalation_sweep, incident_step_plan
from incidents.models import Incident
from sla.models import DateException, OpeningInterval, SupportRegion

FILED_AT = dt.datetime(2026, 11, 23, 23, 16, tzinfo=dt.UTC)  # Monday 15:16 in Los Angeles


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def steps(incident: Incident) -> list[tuple[str, dt.datetime]]:
    return [(p.step.name, p.due_at) for p in incident_step_plan(incident)]


def as_the_sweep_reads_it(incident: Incident) -> Incident:
    return Incident.objects.select_related("region").get(pk=incident.pk)


PLANNED_AT_FILING = [
    ("Warning", utc("2026-11-24T00:46:00+00:00")),
    ("Breach", utc("2026-11-24T01:16:00+00:00")),
    ("Level 2", utc("2026-11-24T14:16:00+00:00")),  # 16 minutes left at 02:00, the rest from 14:00
    ("Level 3", utc("2026-11-24T17:16:00+00:00")),
]


@pytest.fixture
def filed(file_incident):
    incident = file_incident(at=FILED_AT, severity="B")
    assert incident.response_due_at == utc("2026-11-24T01:16:00+00:00")
    assert steps(incident) == PLANNED_AT_FILING
    assert incident.response_warning_at == PLANNED_AT_FILING[0][1]
    return incident


def region_row(organization) -> SupportRegion:
    """The organisation's region as the next request reads it (with its new version)."""
    organization.region = SupportRegion.objects.get(pk=organization.region_id)
    return organization.region


def test_a_closed_day_added_after_filing_moves_none_of_the_steps(filed, file_incident, organization):
    DateException.objects.create(region=organization.region, on=dt.date(2026, 11, 23), kind="closed", note="Storm")
    incident = as_the_sweep_reads_it(filed)
    assert incident.region.version > filed.calendar_version
    assert steps(incident) == PLANNED_AT_FILING
    escalation_sweep(now=FILED_AT + dt.timedelta(minutes=1))
    incident.refresh_from_db()
    assert (incident.response_due_at, incident.response_warning_at) == (
        PLANNED_AT_FILING[1][1],
        PLANNED_AT_FILING[0][1],
    )

    # Filed after the edit: today is closed, so the clock starts tomorrow at 06:00 (14:00 UTC).
    region_row(organization)
    later = file_incident(at=FILED_AT + dt.timedelta(minutes=5), severity="B")
    assert later.calendar_version == organization.region.version
    assert steps(later) == [
        ("Warning", utc("2026-11-24T15:30:00+00:00")),
        ("Breach", utc("2026-11-24T16:00:00+00:00")),
        ("Level 2", utc("2026-11-24T17:00:00+00:00")),
        ("Level 3", utc("2026-11-24T20:00:00+00:00")),
    ]


def test_shorter_hours_and_a_new_zone_after_filing_move_none_of_the_steps(filed, organization):
    region = organization.region
    OpeningInterval.objects.filter(region=region).update(closes_at=dt.time(12))
    region.time_zone = "Asia/Tokyo"
    region.save()  # one version for both: a queryset update sends no signal
    assert steps(as_the_sweep_reads_it(filed)) == PLANNED_AT_FILING


def test_a_severity_change_plans_anew_on_the_filing_calendar(filed, organization, sla, engineer):
    from incidents.services import incident_change_severity

    DateException.objects.create(region=organization.region, on=dt.date(2026, 11, 23), kind="closed")
    incident = as_the_sweep_reads_it(filed)
    incident_change_severity(
        incident=incident, severity=sla["severities"]["C"], reason="Less urgent", by=engineer, now=FILED_AT
    )
    incident = as_the_sweep_reads_it(filed)
    # C: 240 minutes, on the calendar of filing (today still open): 164 minutes until 02:00, 76 from 14:00.
    assert incident.response_due_at == utc("2026-11-24T15:16:00+00:00")
    assert steps(incident)[1] == ("Breach", incident.response_due_at)
    assert incident.severity_changes.get().reason == "Less urgent"


def test_an_incident_from_before_versions_were_recorded_reads_the_current_calendar(filed):
    Incident.objects.filter(pk=filed.pk).update(calendar_version=None)
    assert steps(as_the_sweep_reads_it(filed)) == PLANNED_AT_FILING


def test_a_plan_out_of_order_is_refused_where_it_is_made(filed):
    plan = incident_step_plan(filed)
    due = filed.response_due_at
    target = dt.timedelta(minutes=filed.response_target_minutes)
    swapped = [plan[1], plan[0], *plan[2:]]
    with pytest.raises(PlanError):
        plan_check(swapped, due_at=due, target=target)
    with pytest.raises(PlanError, match="not the deadline"):
        plan_check(plan, due_at=due + dt.timedelta(minutes=1), target=target)


def test_a_plan_that_breaks_an_invariant_is_held_in_order_and_logged(filed, caplog):
    # A deadline stored on another calendar (an incident filed before versions were recorded).
    Incident.objects.filter(pk=filed.pk).update(response_due_at=utc("2026-11-23T23:30:00+00:00"))
    planned = steps(as_the_sweep_reads_it(filed))
    times = [when for _, when in planned]
    assert times == sorted(times)
    assert planned[0][1] <= planned[1][1] == utc("2026-11-23T23:30:00+00:00")
    assert "breaks an invariant" in caplog.text


def test_a_policy_edit_applies_to_open_incidents_on_their_filing_calendar(filed, organization):
    DateException.objects.create(region=organization.region, on=dt.date(2026, 11, 23), kind="closed")
    policy = EscalationPolicy.objects.get(severity=filed.severity, plan__isnull=True)
    policy.steps.filter(name="Warning").update(percent_of_target=50)
    assert steps(as_the_sweep_reads_it(filed))[0] == ("Warning", utc("2026-11-24T00:16:00+00:00"))


def test_the_incident_pages_count_business_time_left_on_the_filing_calendar(filed, organization):
    from incidents.selectors.queue import incident_sla_panel

    at = FILED_AT + dt.timedelta(minutes=30)
    before = incident_sla_panel(as_the_sweep_reads_it(filed), now=at)
    DateException.objects.create(region=organization.region, on=dt.date(2026, 11, 23), kind="closed")
    after = incident_sla_panel(as_the_sweep_reads_it(filed), now=at)
    assert before.business_time_left == after.business_time_left == dt.timedelta(minutes=90)
    assert after.clock.warning_at == PLANNED_AT_FILING[0][1]
