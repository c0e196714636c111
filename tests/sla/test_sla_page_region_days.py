"""The SLA page's region days (sla/templatetags/sla_fragments.py): each region's hours,
holidays and languages are rendered once per process and kept by the region's version, its
local date and the language; what they show is never older than the database or the day."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db.models import F

from core.public_cache import public_version_bump
from sla.models import DateException, OpeningInterval, RegionLanguage, SupportRegion
from sla.services import region_version_bump
from tests.conftest import NOW

pytestmark = pytest.mark.django_db

URL = "/support/"


def region_card(client, code: str, **extra) -> str:
    """The words of one region's card, tags stripped."""
    html = client.get(URL, **extra).content.decode()
    card = html.split(f'id="region-{code}"', 1)[1].split("</article>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", card).split())


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


def test_a_write_by_another_process_shows_on_the_next_request(client, sla, at_now):
    """Another process's write reaches this one only through the database: the rows and the
    region's version its signal bumped (a queryset update sends no signal here)."""
    japan = sla["regions"]["japan"]
    assert "Monday–Friday 09:00–17:30" in region_card(client, "japan")
    OpeningInterval.objects.filter(region=japan).update(closes_at=dt.time(16))
    region_version_bump(region_id=japan.pk)
    assert "Monday–Friday 09:00–16:00" in region_card(client, "japan")


def test_an_unchanged_version_keeps_the_rendering(client, sla, at_now):
    """The converse, to show what keys it: rows changed behind the version's back (no
    signal, no bump) are not read again until the version moves."""
    japan = sla["regions"]["japan"]
    region_card(client, "japan")
    OpeningInterval.objects.filter(region=japan).update(closes_at=dt.time(16))
    public_version_bump()  # a new page, from the kept region day
    assert "Monday–Friday 09:00–17:30" in region_card(client, "japan")
    SupportRegion.objects.filter(pk=japan.pk).update(version=F("version") + 1)
    public_version_bump()
    assert "Monday–Friday 09:00–16:00" in region_card(client, "japan")


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


def test_each_language_has_its_own_rendering(client, sla, at_now):
    assert "Monday–Friday 06:00–18:00" in region_card(client, "north-america", HTTP_ACCEPT_LANGUAGE="en")
    german = region_card(client, "north-america", HTTP_ACCEPT_LANGUAGE="de")
    assert "Montag–Freitag 06:00–18:00" in german
    assert "Do, 26. Nov 2026" in german


def test_open_now_and_the_local_time_are_not_kept(client, customer):
    client.force_login(customer)
    with time_machine.travel(dt.datetime(2026, 11, 23, 13, 59, tzinfo=dt.UTC), tick=False):
        assert "Closed now" in region_card(client, "north-america")  # 05:59 in Los Angeles
    with time_machine.travel(dt.datetime(2026, 11, 23, 14, 0, tzinfo=dt.UTC), tick=False):
        card = region_card(client, "north-america")
    assert "Open now Open now, until 18:00 PST today." in card
    assert "(now 06:00)" in card


def test_the_cold_render_needs_few_queries(client, sla, django_assert_max_num_queries):
    # A process's first render also builds the calendars (2) and reads the languages (1).
    with django_assert_max_num_queries(10):
        assert client.get(URL).status_code == 200
    # After a change elsewhere (a new public content version): plans, severities, targets,
    # regions, the last change (2) and the channels.
    public_version_bump()
    with django_assert_max_num_queries(7):
        assert client.get(URL).status_code == 200
