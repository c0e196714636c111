"""The SLA page's fragments (Django's {% cache %} tag, the per-process "sla_fragments" cache):
the policy's tables and its last change are kept by the SLA's version (the regions'
versions), each region's hours, holidays and languages by its calendar snapshot and local
date, all by language (and zone where they show times); what they show is never older than
the database or the day."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from core.public_version import public_version_bump
from sla.models import (
    DateException,
    OpeningInterval,
    RegionLanguage,
    ResponseTarget,
    Severity,
    SupportPlan,
    SupportRegion,
)
from sla.policy import SlaRows
from sla.services import region_version_bump
from tests.conftest import NOW

pytestmark = pytest.mark.django_db

URL = "/support/"


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def region_card(client, code: str, **extra) -> str:
    """The words of one region's card."""
    html = client.get(URL, **extra).content.decode()
    return words(html.split(f'id="region-{code}"', 1)[1].split("</article>", 1)[0])


def matrix_row(client, severity: str) -> str:
    """The words of one severity's row of the response-time matrix."""
    html = client.get(URL).content.decode()
    table = html.split('class="data sla-matrix"', 1)[1].split("</table>", 1)[0]
    return next(words(row) for row in table.split("<tr>") if words(row).startswith(f"{severity} –"))


def last_changed(client, **extra) -> str:
    html = client.get(URL, **extra).content.decode()
    return words(html.split('id="last-changed">', 1)[1].split("</p>", 1)[0])


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_saved_change_to_hours_holidays_and_languages_shows_on_the_next_request(client, sla, at_now):
    germany = sla["regions"]["germany"]
    assert "Monday–Friday 09:00–17:00" in region_card(client, "germany")
    monday = OpeningInterval.objects.get(region=germany, weekday=0)
    monday.opens_at = dt.time(8)
    monday.save()
    assert "Monday 08:00–17:00 Tuesday–Friday 09:00–17:00" in region_card(client, "germany")
    DateException.objects.create(region=germany, on=dt.date(2026, 12, 7), kind="closed", note="Works outing")
    assert "Mon 7 Dec 2026 Works outing" in region_card(client, "germany")
    RegionLanguage.objects.create(region=germany, language="Klingon", hours="Never")
    assert "Klingon : Never" in region_card(client, "germany")
    germany.holiday_country = "AT"
    germany.save()
    assert "Other days and public holidays (AT)" in region_card(client, "germany")


def test_a_saved_change_to_targets_plans_and_severities_shows_on_the_next_request(client, sla, at_now):
    assert matrix_row(client, "B") == "B – Moderate 4 hours business hours 2 hours business hours 2 hours 24/7"
    target = ResponseTarget.objects.get(plan__code="subscription", severity__code="B")
    target.minutes = 300
    target.save()
    assert matrix_row(client, "B").startswith("B – Moderate 5 hours business hours")
    assert "(response target subscription/B: 300 min Business hours)" in last_changed(client)
    target.delete()
    assert matrix_row(client, "B").startswith("B – Moderate no target")
    assert "(removed response target" in last_changed(client)
    severity = Severity.objects.get(code="B")
    severity.name = "Serious"
    severity.save()
    assert matrix_row(client, "B").startswith("B – Serious")
    plan = SupportPlan.objects.get(code="premier")
    plan.name = "Premier Plus"
    plan.save()
    assert "Premier Plus" in client.get(URL).content.decode()


def test_a_write_by_another_process_shows_on_the_next_request(client, sla, at_now):
    """Another process's write reaches this one only through the database: its rows and the
    versions its signals moved (a queryset update sends no signal here)."""
    assert "Monday–Friday 09:00–17:30" in region_card(client, "japan")
    assert matrix_row(client, "C").startswith("C – Minimum 8 hours")
    OpeningInterval.objects.filter(region=sla["regions"]["japan"]).update(closes_at=dt.time(16))
    region_version_bump(region_id=sla["regions"]["japan"].pk)  # as region_changed does
    ResponseTarget.objects.filter(plan__code="subscription", severity__code="C").update(minutes=420)
    SupportRegion.objects.update(version=F("version") + 1)  # as policy_changed does
    assert "Monday–Friday 09:00–16:00" in region_card(client, "japan")
    assert matrix_row(client, "C").startswith("C – Minimum 7 hours")


def test_the_rendering_is_kept_until_the_policys_version_moves(client, sla, at_now):
    """The converse, to show what keys it: rows changed behind the version's back (no
    signal, no bump) are not read again until the version moves."""
    assert matrix_row(client, "C").startswith("C – Minimum 8 hours")
    ResponseTarget.objects.filter(plan__code="subscription", severity__code="C").update(minutes=420)
    public_version_bump()  # a new page, from the kept parts
    assert matrix_row(client, "C").startswith("C – Minimum 8 hours")
    SupportRegion.objects.update(version=F("version") + 1)
    public_version_bump()
    assert matrix_row(client, "C").startswith("C – Minimum 7 hours")


@pytest.mark.parametrize(
    "write",
    [
        lambda sla: SupportPlan.objects.first().save(),
        lambda sla: Severity.objects.first().save(),
        lambda sla: ResponseTarget.objects.first().save(),
        lambda sla: ResponseTarget.objects.first().delete(),
        lambda sla: SupportRegion.objects.first().save(),
        lambda sla: OpeningInterval.objects.first().delete(),
        lambda sla: DateException.objects.create(region=sla["regions"]["japan"], on=dt.date(2027, 1, 4), kind="open"),
        lambda sla: RegionLanguage.objects.first().save(),
    ],
)
def test_every_save_and_delete_of_the_policy_moves_a_regions_version_up(sla, write):
    before = SlaRows().version
    write(sla)
    assert SlaRows().version != before


def test_an_old_copy_of_a_row_saved_again_does_not_move_the_version_back(sla):
    """The versions are written only by `sla.services`, never by a save of a plan."""
    plan = SupportPlan.objects.get(code="premier")  # held while others write
    ResponseTarget.objects.filter(plan=plan).first().save()
    ResponseTarget.objects.filter(plan=plan).last().save()
    seen = dict(SupportRegion.objects.values_list("pk", "version"))
    plan.save()
    assert dict(SupportRegion.objects.values_list("pk", "version")) == {pk: v + 1 for pk, v in seen.items()}


def test_the_next_twelve_months_move_on_at_the_regions_midnight(client, customer):
    client.force_login(customer)  # a signed-in page is rendered on every request
    this_year, next_year = "Mon 23 Nov 2026 Labor Thanksgiving Day", "Tue 23 Nov 2027 Labor Thanksgiving Day"
    with time_machine.travel(dt.datetime(2026, 11, 23, 14, 59, 59, 999999, tzinfo=dt.UTC), tick=False):
        card = region_card(client, "japan")  # 23:59:59.999999 on Monday in Tokyo
    assert this_year in card
    assert next_year not in card
    with time_machine.travel(dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC), tick=False):
        card = region_card(client, "japan")  # midnight in Tokyo
    assert this_year not in card
    assert next_year in card
    assert "17 public holidays in the next 12 months" in card


def test_open_now_and_the_local_time_are_not_kept(client, customer):
    client.force_login(customer)
    with time_machine.travel(dt.datetime(2026, 11, 23, 13, 59, tzinfo=dt.UTC), tick=False):
        assert "Closed now" in region_card(client, "north-america")  # 05:59 in Los Angeles
    with time_machine.travel(dt.datetime(2026, 11, 23, 14, 0, tzinfo=dt.UTC), tick=False):
        card = region_card(client, "north-america")
    assert "Open now Open now, until 18:00 PST today." in card
    assert "(now 06:00)" in card


def test_each_language_and_zone_has_its_own_rendering(client, customer, sla, at_now):
    assert "Monday–Friday 06:00–18:00" in region_card(client, "north-america", HTTP_ACCEPT_LANGUAGE="en")
    german = region_card(client, "north-america", HTTP_ACCEPT_LANGUAGE="de")
    assert "Montag–Freitag 06:00–18:00" in german
    assert "Do, 26. Nov 2026" in german
    target = ResponseTarget.objects.get(plan__code="premier", severity__code="B")
    target.minutes = 90
    target.save()  # at 15:00 UTC
    assert last_changed(client).startswith("Last changed: 23 November 2026, 15:00 UTC")
    client.force_login(customer)  # in America/Los_Angeles
    assert last_changed(client).startswith("Last changed: 23 November 2026, 07:00 PST")


def test_an_as_of_page_is_not_the_kept_live_one(client, sla):
    target = ResponseTarget.objects.get(plan__code="subscription", severity__code="B")
    with time_machine.travel(dt.datetime(2026, 2, 1, 12, tzinfo=dt.UTC), tick=False):
        target.minutes = 300
        target.save()
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        target.minutes = 180
        target.save()
    assert "3 hours" in client.get(URL).content.decode()
    before = client.get(URL, {"as_of": "2026-03-01"}).content.decode()
    assert "5 hours" in before
    assert "3 hours" not in before


def test_the_cold_render_needs_few_queries(client, sla, django_assert_max_num_queries):
    # A process's first render also reads the calendars' snapshots, the plans, severities,
    # languages and targets, and the last change (2).
    with django_assert_max_num_queries(10):
        assert client.get(URL).status_code == 200
    # After a change elsewhere (a new public content version): the regions (their versions
    # are the SLA's version) and the support channels; the plans and severities only feed
    # cached fragments (the tables, the empty calculator), so they are not read.
    public_version_bump()
    with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(2):
        assert client.get(URL).status_code == 200
    assert "sla_supportregion" in queries.captured_queries[0]["sql"]  # read first, on every request


def test_the_empty_calculator_is_cached_per_minute_and_shows_a_renamed_plan(client, sla):
    with time_machine.travel(dt.datetime(2026, 11, 23, 15, 0, 10, tzinfo=dt.UTC), tick=False):
        assert 'placeholder="2026-11-23T15:00"' in client.get(URL).content.decode()
    with time_machine.travel(dt.datetime(2026, 11, 23, 15, 1, 10, tzinfo=dt.UTC), tick=False):
        assert 'placeholder="2026-11-23T15:01"' in client.get(URL).content.decode()
        plan = SupportPlan.objects.get(code="premier")
        plan.name = "Premier Plus"
        plan.save()
        html = client.get(URL).content.decode()
    calculator = html.split('id="calculator"', 1)[1]
    assert '<option value="premier">Premier Plus</option>' in calculator


def test_a_target_edit_renders_the_tables_again_but_not_the_region_cards(client, sla, at_now):
    """A plan, severity or target edit moves every region's version but writes no calendar
    snapshot: the cards (hours, holidays, languages) stay cached, and their languages are
    not read again."""
    client.get(URL)
    target = ResponseTarget.objects.get(plan__code="subscription", severity__code="C")
    target.minutes = 420
    target.save()
    public_version_bump()
    with CaptureQueriesContext(connection) as queries:
        assert matrix_row(client, "C").startswith("C – Minimum 7 hours")
    tables = [query["sql"] for query in queries.captured_queries]
    assert any("sla_responsetarget" in sql for sql in tables)  # the tables, rendered again
    assert not any("sla_regionlanguage" in sql for sql in tables)  # the cards, from the cache


def test_the_fragments_are_in_their_own_cache(client, sla, at_now):
    from django.core.cache import caches

    client.get(URL)
    caches["sla_fragments"].clear()
    ResponseTarget.objects.filter(plan__code="subscription", severity__code="C").update(minutes=420)
    public_version_bump()
    assert matrix_row(client, "C").startswith("C – Minimum 7 hours")  # rendered again
