"""The SLA layer over the seeded policy: rows -> calendars -> deadlines, and the page's reads."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from sla import calendars, deadlines
from sla import policy as policy_module
from sla.models import Coverage, DateException, OpeningInterval, ResponseTarget, Severity
from sla.selectors import sla_matrix
from sla.services import region_version_bump

pytestmark = pytest.mark.django_db


def at(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso)


def due(sla_rows, plan: str, severity: str, region: str, submitted: str) -> str:
    return deadlines.deadline(
        plan=sla_rows["plans"][plan],
        severity=sla_rows["severities"][severity],
        region=sla_rows["regions"][region],
        submitted_at=at(submitted),
    ).due_at.isoformat()


# Microsoft's published table, as seeded: (plan, severity) -> (minutes, coverage)
PUBLISHED = {
    ("subscription", "A"): (60, Coverage.ALWAYS),
    ("professional-direct", "A"): (60, Coverage.ALWAYS),
    ("premier", "A"): (60, Coverage.ALWAYS),
    ("subscription", "B"): (240, Coverage.BUSINESS_HOURS),
    ("professional-direct", "B"): (120, Coverage.BUSINESS_HOURS),
    ("premier", "B"): (120, Coverage.ALWAYS),
    ("subscription", "C"): (480, Coverage.BUSINESS_HOURS),
    ("professional-direct", "C"): (240, Coverage.BUSINESS_HOURS),
    ("premier", "C"): (240, Coverage.BUSINESS_HOURS),
}


def test_the_seeded_matrix_is_microsofts_published_table():
    policy = policy_module.SlaRows()
    assert list(policy.plans) == ["subscription", "professional-direct", "premier"]
    assert list(policy.severities) == ["A", "B", "C"]
    matrix = sla_matrix()
    seeded = {
        (plan.code, severity.code): (cell.target.minutes, cell.target.coverage)
        for severity, cells in matrix.rows
        for plan, cell in zip(matrix.plans, cells, strict=True)
    }
    assert seeded == PUBLISHED
    assert policy_module.targets_missing() == []


def test_the_seeded_regions_and_their_hours():
    policy = policy_module.SlaRows()
    expected = {
        "north-america": ("America/Los_Angeles", "US", "06:00–18:00"),
        "japan": ("Asia/Tokyo", "JP", "09:00–17:30"),
        "germany": ("Europe/Berlin", "DE", "09:00–17:00"),
        "united-kingdom": ("Europe/London", "GB", "09:00–17:00"),
        "denmark": ("Europe/Copenhagen", "DK", "09:00–17:00"),
    }
    for code, (zone, country, hours) in expected.items():
        region = policy.regions[code]
        calendar = calendars.region_calendar(region, at("2026-11-23T12:00:00+00:00"))
        assert (region.time_zone, region.holiday_country) == (zone, country)
        assert [(run.days, run.intervals) for run in policy_module.weekly_hours(calendar)] == [("Monday–Friday", hours)]


class TestDeadlines:
    def test_severity_a_runs_through_the_weekend_on_every_plan(self, sla):
        for plan in ("subscription", "professional-direct", "premier"):
            assert due(sla, plan, "A", "germany", "2026-11-21T03:10:00+01:00") == "2026-11-21T03:10:00+00:00"

    def test_premier_severity_b_is_24x7(self, sla):
        assert due(sla, "premier", "B", "japan", "2026-11-21T12:00:00+09:00") == "2026-11-21T05:00:00+00:00"

    def test_subscription_severity_b_friday_evening_is_due_monday(self, sla):
        assert due(sla, "subscription", "B", "north-america", "2026-11-20T16:30:00-08:00") == (
            "2026-11-23T16:30:00+00:00"
        )

    def test_japan_labor_thanksgiving_day_is_skipped(self, sla):
        # Friday 17:00 JST: 30 minutes on Friday; Monday 23 November is a holiday;
        # the other 7 h 30 min run on Tuesday from 09:00 to 16:30 JST.
        assert due(sla, "subscription", "C", "japan", "2026-11-20T17:00:00+09:00") == "2026-11-24T07:30:00+00:00"

    def test_us_thanksgiving_is_skipped(self, sla):
        assert due(sla, "professional-direct", "C", "north-america", "2026-11-25T16:00:00-08:00") == (
            "2026-11-27T16:00:00+00:00"
        )

    def test_a_deadline_across_new_year_uses_next_years_holidays(self, sla):
        # Thursday 31 December 2026 15:00 in Berlin: 2 h that day; 1 January 2027 is a
        # holiday, then a weekend; Monday 4 January from 09:00 for the remaining 6 h.
        assert due(sla, "subscription", "C", "germany", "2026-12-31T15:00:00+01:00") == "2027-01-04T14:00:00+00:00"

    def test_a_submission_while_closed_starts_the_clock_at_the_next_opening(self, sla):
        assert due(sla, "professional-direct", "B", "united-kingdom", "2026-11-23T06:00:00+00:00") == (
            "2026-11-23T11:00:00+00:00"
        )

    def test_an_extra_closed_date_moves_the_deadline(self, sla):
        region = sla["regions"]["north-america"]
        DateException.objects.create(region=region, on=dt.date(2026, 11, 23), kind="closed", note="Team offsite")
        region_version_bump(region_id=region.pk)
        region.refresh_from_db()
        assert due(sla, "subscription", "B", "north-america", "2026-11-20T16:30:00-08:00") == (
            "2026-11-24T16:30:00+00:00"
        )

    def test_an_extra_open_date_overrides_a_public_holiday(self, sla):
        DateException.objects.create(region=sla["regions"]["japan"], on=dt.date(2026, 11, 23), kind="open")
        region_version_bump(region_id=sla["regions"]["japan"].pk)
        sla["regions"]["japan"].refresh_from_db()
        assert due(sla, "subscription", "C", "japan", "2026-11-20T17:00:00+09:00") == "2026-11-23T07:30:00+00:00"

    def test_a_naive_submission_time_is_refused(self, sla):
        with pytest.raises(ValueError, match="aware"):
            due(sla, "subscription", "C", "japan", "2026-11-20T17:00:00")

    def test_a_missing_target_is_a_typed_error(self, sla):
        extra = Severity.objects.create(code="D", name="Advisory", business_impact="None", display_order=9)
        with pytest.raises(deadlines.UnknownTarget, match="no response target for plan subscription and severity D"):
            deadlines.deadline(
                plan=sla["plans"]["subscription"],
                severity=extra,
                region=sla["regions"]["japan"],
                submitted_at=at("2026-11-20T17:00:00+09:00"),
            )
        assert [(p.code, s.code) for p, s in policy_module.targets_missing()] == [
            ("subscription", "D"),
            ("professional-direct", "D"),
            ("premier", "D"),
        ]


class TestCalendarCache:
    """One cache of calendars, keyed by the region's version: a write that bumps it is seen
    by the next deadline, in any process; until then no query rebuilds the calendar."""

    def test_a_calendar_is_built_once_per_region_version_and_year(self, sla, django_assert_num_queries):
        region = sla["regions"]["germany"]
        first = calendars.region_calendar(region, at("2026-03-02T10:00:00+01:00"))
        with django_assert_num_queries(0):
            assert calendars.region_calendar(region, at("2026-11-02T10:00:00+01:00")) is first
        assert calendars.region_calendar(region, at("2027-03-02T10:00:00+01:00")) is not first

    def test_a_bumped_version_is_a_new_calendar_from_the_rows(self, sla):
        region = sla["regions"]["north-america"]
        before = due(sla, "subscription", "B", "north-america", "2026-11-20T16:30:00-08:00")
        DateException.objects.create(region=region, on=dt.date(2026, 11, 23), kind="closed", note="Offsite")
        # As another process sees it: the region row read again, with its new version.
        region_version_bump(region_id=region.pk)
        sla["regions"]["north-america"] = type(region).objects.get(pk=region.pk)
        after = due(sla, "subscription", "B", "north-america", "2026-11-20T16:30:00-08:00")
        assert (before, after) == ("2026-11-23T16:30:00+00:00", "2026-11-24T16:30:00+00:00")

    def test_the_version_only_goes_up(self, sla):
        region = sla["regions"]["japan"]
        region_version_bump(region_id=region.pk)
        region_version_bump(region_id=region.pk)
        region.refresh_from_db()
        assert region.version == 3

    def test_saving_a_copy_read_before_another_write_does_not_set_the_version_back(self, sla):
        stale = type(sla["regions"]["japan"]).objects.get(code="japan")
        fresh = type(stale).objects.get(pk=stale.pk)
        japan_before = calendars.region_calendar(fresh, at("2026-11-23T10:00:00+09:00"))
        OpeningInterval.objects.filter(region=fresh).first().save()  # a write: version + 1
        stale.holiday_country = "DE"  # an admin's form, opened before that write
        stale.full_clean()
        stale.save()  # a write: version + 1 again, never back to a number already used
        current = type(stale).objects.get(pk=stale.pk)
        assert current.version == fresh.version + 2
        assert current.holiday_country == "DE"
        assert calendars.region_calendar(current, at("2026-11-23T10:00:00+09:00")) is not japan_before

    def test_a_24x7_target_needs_no_calendar_query(self, sla, django_assert_num_queries):
        with django_assert_num_queries(2):  # the severities and targets, kept for the region
            due(sla, "premier", "A", "japan", "2026-11-21T12:00:00+09:00")
        with django_assert_num_queries(0):
            due(sla, "premier", "A", "japan", "2026-11-22T12:00:00+09:00")


class TestTermsCache:
    """The severities and response targets a region's submissions read, kept by the region's
    version: a write to a plan, a severity or a target moves every region's version, so
    the next submission anywhere reads the new rows, in any process."""

    def region_again(self, sla, code):
        # As another process sees it: the region row read again, with its version.
        region = sla["regions"][code]
        sla["regions"][code] = type(region).objects.get(pk=region.pk)
        return sla["regions"][code]

    def test_a_saved_target_is_read_by_the_next_deadline_in_every_region(self, sla, django_assert_num_queries):
        assert due(sla, "subscription", "B", "japan", "2026-11-24T09:00:00+09:00") == "2026-11-24T04:00:00+00:00"
        assert due(sla, "subscription", "B", "germany", "2026-11-24T09:00:00+01:00") == "2026-11-24T12:00:00+00:00"
        target = ResponseTarget.objects.get(plan__code="subscription", severity__code="B")
        target.minutes = 60
        target.save()
        with django_assert_num_queries(0):  # the region rows in memory carry the old version
            assert due(sla, "subscription", "B", "japan", "2026-11-24T09:00:00+09:00") == "2026-11-24T04:00:00+00:00"
        for code in ("japan", "germany"):
            self.region_again(sla, code)
        assert due(sla, "subscription", "B", "japan", "2026-11-24T09:00:00+09:00") == "2026-11-24T01:00:00+00:00"
        assert due(sla, "subscription", "B", "germany", "2026-11-24T09:00:00+01:00") == "2026-11-24T09:00:00+00:00"

    def test_a_deleted_target_is_no_target_any_more(self, sla):
        due(sla, "subscription", "C", "japan", "2026-11-24T09:00:00+09:00")
        ResponseTarget.objects.get(plan__code="subscription", severity__code="C").delete()
        self.region_again(sla, "japan")
        with pytest.raises(deadlines.UnknownTarget, match="no response target for plan subscription and severity C"):
            due(sla, "subscription", "C", "japan", "2026-11-24T09:00:00+09:00")

    def test_a_renamed_severity_is_offered_under_its_new_name(self, sla):
        region = sla["regions"]["japan"]
        assert [s.code for s in calendars.region_terms(region).severities()] == ["A", "B", "C"]
        severity = Severity.objects.get(code="C")
        severity.name = "Minimal impact"
        severity.save()
        names = {s.code: s.name for s in calendars.region_terms(self.region_again(sla, "japan")).severities()}
        assert names["C"] == "Minimal impact"

    def test_a_write_that_moves_no_version_is_read_within_the_terms_seconds(self, sla, monkeypatch):
        region = sla["regions"]["japan"]
        assert {s.code: s.name for s in calendars.region_terms(region).severities()}["C"] != "Renamed quietly"
        Severity.objects.filter(code="C").update(name="Renamed quietly")  # no signal, no version moved
        assert {s.code: s.name for s in calendars.region_terms(region).severities()}["C"] != "Renamed quietly"
        later = calendars.time.monotonic() + calendars.TERMS_SECONDS + 1
        monkeypatch.setattr(calendars.time, "monotonic", lambda: later)
        assert {s.code: s.name for s in calendars.region_terms(region).severities()}["C"] == "Renamed quietly"

    def test_each_call_hands_out_instances_of_its_own(self, sla):
        terms = calendars.region_terms(sla["regions"]["japan"])
        first, second = terms.severities(), terms.severities()
        first[0].name = "changed by one request"
        assert second[0].name != "changed by one request"
        assert terms.severities()[0].name != "changed by one request"
        b = second[1]
        target = terms.target(plan_id=sla["plans"]["premier"].pk, severity=b)
        assert (target.minutes, target.coverage, target.severity) == (120, Coverage.ALWAYS, b)
        assert terms.target(plan_id=sla["plans"]["premier"].pk, severity=b) is not target


class TestSlaRows:
    def test_deadlines_need_no_queries_once_loaded(self, django_assert_num_queries):
        policy = policy_module.SlaRows()
        policy.deadline(plan="subscription", severity="C", region="japan", at="2026-11-20T17:00:00+09:00")
        with django_assert_num_queries(0):
            for hour in range(48):
                policy.deadline(
                    plan="subscription",
                    severity="B",
                    region="japan",
                    at=at("2026-11-20T00:00:00+00:00") + dt.timedelta(hours=hour),
                )

    def test_the_loaded_policy_agrees_with_deadline(self, sla):
        policy = policy_module.SlaRows()
        for plan, severity in PUBLISHED:
            for region in ("north-america", "japan", "denmark"):
                moment = "2026-12-24T16:45:00+00:00"
                snapshot = policy.deadline(plan=plan, severity=severity, region=region, at=moment)
                assert snapshot.due_at.isoformat() == due(sla, plan, severity, region, moment)

    @pytest.mark.parametrize(
        ("kwargs", "field", "message"),
        [
            ({"plan": "gold"}, "plan", "unknown plan 'gold'; known: subscription, professional-direct, premier"),
            ({"plan": None}, "plan", "give a plan code"),
            ({"severity": "Z"}, "severity", "unknown severity 'Z'"),
            ({"region": "mars"}, "region", "unknown region 'mars'"),
            ({"at": "2026-11-23T08:00"}, "at", "has no UTC offset"),
            ({"at": "next tuesday"}, "at", "is not an ISO 8601 date and time"),
            ({"at": ""}, "at", "give an ISO 8601 date and time"),
            ({"at": 1732345200}, "at", "give an ISO 8601 date and time"),
            ({"at": dt.datetime(2026, 11, 23, 8)}, "at", "must have a UTC offset"),
        ],
    )
    def test_bad_input_names_the_field(self, kwargs, field, message):
        values = {"plan": "subscription", "severity": "B", "region": "japan", "at": "2026-11-23T08:00:00Z"} | kwargs
        with pytest.raises(deadlines.SlaInputError, match=message) as raised:
            policy_module.SlaRows().deadline(**values)
        assert raised.value.field == field

    def test_z_means_utc(self):
        assert deadlines.parse_instant("2026-11-23T08:00:00Z") == at("2026-11-23T08:00:00+00:00")


class TestRegionSchedules:
    NOW = at("2026-11-23T15:00:00+00:00")  # Monday 07:00 in Los Angeles, Tuesday 00:00 in Tokyo

    def schedule(self, code: str) -> policy_module.RegionSchedule:
        return next(
            s for s in policy_module.region_schedules(policy_module.SlaRows(), now=self.NOW) if s.region.code == code
        )

    def test_an_open_region_says_until_when(self):
        schedule = self.schedule("north-america")
        assert schedule.is_open_now
        assert schedule.closes_at.isoformat() == "2026-11-23T18:00:00-08:00"
        assert schedule.opens_at is None

    def test_a_closed_region_says_when_it_opens_in_its_own_zone(self):
        schedule = self.schedule("japan")
        assert not schedule.is_open_now
        assert schedule.opens_at.isoformat() == "2026-11-24T09:00:00+09:00"
        assert schedule.local_now.isoformat() == "2026-11-24T00:00:00+09:00"

    def test_holidays_are_the_next_twelve_months_from_the_regions_today(self):
        japan = dict(self.schedule("japan").holidays)
        assert dt.date(2026, 11, 23) not in japan  # yesterday in Tokyo
        assert japan[dt.date(2027, 1, 1)] == "New Year's Day"
        assert japan[dt.date(2027, 11, 23)] == "Labor Thanksgiving Day"
        us = dict(self.schedule("north-america").holidays)
        assert us[dt.date(2026, 11, 26)] == "Thanksgiving Day"
        assert max(us) < dt.date(2027, 11, 23)

    def test_languages_are_listed(self):
        assert [lang.language for lang in self.schedule("japan").languages] == ["English", "Japanese"]

    def test_split_days_and_weekends_are_grouped(self):
        region = policy_module.SlaRows().regions["germany"]
        OpeningInterval.objects.filter(region=region, weekday=2).delete()
        OpeningInterval.objects.create(region=region, weekday=2, opens_at=dt.time(9), closes_at=dt.time(12))
        OpeningInterval.objects.create(region=region, weekday=2, opens_at=dt.time(13), closes_at=dt.time(17))
        OpeningInterval.objects.create(region=region, weekday=5, opens_at=dt.time(10), closes_at=dt.time(0))
        region_version_bump(region_id=region.pk)
        fresh = policy_module.SlaRows()
        calendar = calendars.region_calendar(fresh.regions["germany"], self.NOW)
        assert [(run.days, run.intervals) for run in policy_module.weekly_hours(calendar)] == [
            ("Monday–Tuesday", "09:00–17:00"),
            ("Wednesday", "09:00–12:00, 13:00–17:00"),
            ("Thursday–Friday", "09:00–17:00"),
            ("Saturday", "10:00–24:00"),
        ]


class TestLastChanged:
    def test_before_any_edit_it_is_when_the_defaults_were_published(self):
        change = policy_module.policy_last_changed()
        assert change is not None
        assert change.kind == "initial"

    def test_an_edit_is_the_last_change(self):
        target = ResponseTarget.objects.get(plan__code="premier", severity__code="B")
        target.minutes = 90
        target.save()
        change = policy_module.policy_last_changed()
        assert change.kind == "~"
        assert change.what == "response target premier/B: 90 min 24/7"

    def test_the_latest_change_of_any_table_wins_in_two_queries(self, sla, django_assert_num_queries):
        with time_machine.travel(at("2026-11-20T09:00:00+00:00"), tick=False):
            DateException.objects.create(region=sla["regions"]["japan"], on=dt.date(2026, 12, 28), kind="closed")
        with time_machine.travel(at("2026-11-21T09:00:00+00:00"), tick=False):
            plan = sla["plans"]["premier"]
            plan.name = "Premier Plus"
            plan.save()
        with time_machine.travel(at("2026-11-19T09:00:00+00:00"), tick=False):
            OpeningInterval.objects.filter(region=sla["regions"]["japan"]).first().delete()
        with django_assert_num_queries(2):  # the latest row of the seven history tables, then that row
            change = policy_module.policy_last_changed()
        assert (change.at, change.kind, change.what) == (
            at("2026-11-21T09:00:00+00:00"),
            "~",
            "support plan Premier Plus",
        )

    def test_before_any_edit_it_takes_two_queries(self, django_assert_num_queries):
        with django_assert_num_queries(2):  # no history rows, then the seed migration
            assert policy_module.policy_last_changed().kind == "initial"


class TestIncidentDeadline:
    """`Incident.response_due_at` comes from the same clock, and follows a severity change."""

    def test_a_new_incident_gets_its_deadline_and_a_severity_change_recomputes_it_from_submission(
        self, organization, customer, engineer, sla
    ):
        from incidents.models import SeverityChange
        from incidents.services import NewIncident, incident_change_severity, incident_create

        submitted_at = at("2026-11-20T16:30:00-08:00")  # Friday afternoon in Los Angeles
        incident = incident_create(
            organization=organization,
            submitted_by=customer,
            data=NewIncident(title="Posting stopped", description="Steps", severity=sla["severities"]["C"]),
            now=submitted_at,
        ).incident
        # Professional Direct, Severity C: 4 business hours -> Monday 08:30 PST.
        assert incident.response_due_at.isoformat() == "2026-11-23T16:30:00+00:00"
        assert (incident.response_target_minutes, incident.response_target_coverage) == (240, "business_hours")
        incident_change_severity(
            incident=incident,
            severity=sla["severities"]["A"],
            reason="Production is down",
            by=engineer,
            now=at("2026-11-21T10:00:00+00:00"),
        )
        incident.refresh_from_db()
        # Severity A: 60 minutes around the clock from the original submission.
        assert incident.response_due_at.isoformat() == "2026-11-21T01:30:00+00:00"
        assert (incident.response_target_minutes, incident.response_target_coverage) == (60, "24x7")
        change = SeverityChange.objects.get(incident=incident)
        assert (change.previous_due_at.isoformat(), change.new_due_at.isoformat()) == (
            "2026-11-23T16:30:00+00:00",
            "2026-11-21T01:30:00+00:00",
        )
