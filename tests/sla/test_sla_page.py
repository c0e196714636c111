"""The public SLA page /support/ and its deadline calculator, as a visitor and a customer sees them."""

from __future__ import annotations

import re

import pytest
import time_machine

from sla.models import ResponseTarget
from tests.conftest import NOW

pytestmark = pytest.mark.django_db

URL = "/support/"
CALCULATE = (
    URL + "?plan=subscription&severity=B&region=north-america&submitted_at=2026-11-20T16:30&zone=America/Los_Angeles"
)


def text(response) -> str:
    """The page as words, tags stripped and whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def page(client):
    with time_machine.travel(NOW, tick=False):
        return client.get(URL)


def test_the_page_defines_initial_response_and_makes_no_resolution_promise(page):
    assert page.status_code == 200
    words = text(page)
    assert "time from when you submit an incident to when a support engineer contacts you and starts working" in words
    assert "No resolution-time commitment." in words
    assert "we do not promise a time by which an incident is resolved" in words


def test_severities_show_business_impact_and_the_customers_obligations(page):
    words = text(page)
    assert "A Critical Business impact: Critical business impact" in words
    assert "stays reachable by phone at all times" in words
    assert "Stay reachable 24/7" in words
    assert "B Moderate Business impact: Moderate business impact" in words
    assert "C Minimum" in words


def test_the_matrix_shows_the_seeded_times_with_24x7_marks(page):
    matrix = page.content.decode().split('class="data sla-matrix"')[1].split("</table>")[0]
    rows = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in matrix.split("<tr>")[2:]]
    assert rows == [
        "A – Critical 1 hour 24/7 1 hour 24/7 1 hour 24/7",
        "B – Moderate 4 hours business hours 2 hours business hours 2 hours 24/7",
        "C – Minimum 8 hours business hours 4 hours business hours 4 hours business hours",
    ]


def test_each_region_shows_its_hours_in_its_own_zone_and_whether_it_is_open(page):
    words = text(page)
    # NOW is Monday 07:00 in Los Angeles and Tuesday 00:00 in Tokyo.
    assert "North America Open now Open now, until 18:00 PST today." in words
    assert "America/Los_Angeles (now 07:00)" in words
    assert "Business hours Monday–Friday 06:00–18:00" in words
    assert "Japan Closed now Opens Tuesday 24 November, 09:00 JST (Tuesday 00:00 UTC in your time zone)" in words
    assert "Monday–Friday 09:00–17:30" in words
    assert "United Kingdom Open now Open now, until 17:00 GMT today." in words


def test_each_region_lists_its_public_holidays_for_the_next_twelve_months_and_languages(page):
    words = text(page)
    assert "Thu 26 Nov 2026 Thanksgiving Day" in words
    assert "Mon 23 Nov 2026 Labor Thanksgiving Day" not in words  # already past in Tokyo
    assert "Tue 23 Nov 2027 Labor Thanksgiving Day" in words
    assert "Fri 25 Dec 2026 Christmas Day" in words
    assert "Japanese : Monday–Friday 09:00–17:30 Japan Standard Time" in words
    assert "Spanish : Monday–Friday 08:00–17:00 Pacific Time" in words


def test_how_to_submit_puts_online_first_and_lists_two_channels(page):
    words = text(page)
    assert "Online first. Sign in and file the incident in this portal" in words
    submit = page.content.decode().split('id="submit"')[1]
    assert submit.count("<tr>") - 1 >= 2  # header row excluded
    assert "Support portal (online)" in words


def test_last_changed_falls_back_to_when_the_defaults_were_published(page):
    assert "when this policy was published; it has not been edited since" in text(page)


def test_last_changed_follows_the_history_of_the_rows(client):
    target = ResponseTarget.objects.get(plan__code="premier", severity__code="B")
    target.minutes = 90
    target.save()
    words = text(client.get(URL))
    assert "(response target premier/B: 90 min 24/7)" in words
    assert "1 h 30 min 24/7" in words


def test_last_changed_says_what_was_added_or_removed(client, sla):
    from sla.models import DateException

    closed = DateException.objects.create(
        region=sla["regions"]["japan"], on="2026-12-28", kind="closed", note="Office move"
    )
    assert "(added date exception 2026-12-28 Closed (extra holiday))" in text(client.get(URL))
    closed.delete()
    assert "(removed date exception 2026-12-28 Closed (extra holiday))" in text(client.get(URL))


def test_the_page_needs_few_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        client.get(CALCULATE)


class TestCalculator:
    def test_without_input_it_offers_the_form_only(self, page):
        html = page.content.decode()
        assert '<form method="get"' in html
        assert 'id="calculator-result"' in html
        assert "Initial response due" not in html

    def test_it_shows_the_due_time_in_the_viewers_and_the_regions_zone(self, client, customer):
        client.force_login(customer)  # a contact in America/Los_Angeles
        words = text(client.get(CALCULATE.replace("north-america", "japan")))
        # Friday 16:30 PST is Saturday 09:30 JST; Monday 23 November is Labor Thanksgiving Day,
        # so the clock starts on Tuesday at 09:00 JST and runs 4 hours.
        assert "Clock starts Tuesday 24 November 2026, 09:00 JST (submitted while the region is closed)" in words
        assert (
            "Initial response due Monday 23 November 2026, 20:00 PST in your time zone (America/Los_Angeles)" in words
        )
        assert "In Japan's time zone Tuesday 24 November 2026, 13:00 JST (Asia/Tokyo)" in words
        assert "UTC (ISO 8601) 2026-11-24T04:00:00+00:00" in words

    def test_an_anonymous_visitor_sees_utc_and_the_regions_zone(self, client):
        words = text(client.get(CALCULATE))
        assert "Initial response due Monday 23 November 2026, 16:30 UTC in your time zone (UTC)" in words
        assert "In North America's time zone Monday 23 November 2026, 08:30 PST" in words
        assert "2026-11-23T16:30:00+00:00" in words

    def test_a_24x7_target_counts_the_weekend(self, client):
        url = CALCULATE.replace("plan=subscription", "plan=premier")
        assert "2026-11-21T02:30:00+00:00" in text(client.get(url))

    def test_an_empty_submission_time_means_now(self, client):
        with time_machine.travel(NOW, tick=False):
            words = text(client.get(URL + "?plan=premier&severity=A&region=germany&submitted_at=&zone=UTC"))
        assert "UTC (ISO 8601) 2026-11-23T16:00:00+00:00" in words

    @pytest.mark.parametrize(
        ("query", "message"),
        [
            ("plan=gold&severity=B&region=japan&zone=UTC", "Support plan: Choose a plan from the list."),
            ("plan=premier&severity=Q&region=japan&zone=UTC", "Severity: Choose a severity from the list."),
            ("plan=premier&severity=B&region=mars&zone=UTC", "Support region: Choose a region from the list."),
            ("plan=premier&severity=B&region=japan&zone=Mars/Base", "Choose a time zone from the list."),
            (
                "plan=premier&severity=B&region=japan&zone=UTC&submitted_at=next+tuesday",
                "Submission time: Enter a date and time such as 2026-11-23 08:30.",
            ),
            (
                "plan=premier&severity=B&region=north-america&zone=America/Los_Angeles&submitted_at=2026-03-08T02:30",
                "2026-03-08 02:30 does not exist in America/Los_Angeles: the clocks jump forward over it that night.",
            ),
        ],
    )
    def test_bad_input_gets_a_clear_message(self, client, query, message):
        response = client.get(URL + "?" + query)
        assert response.status_code == 200
        words = text(response)
        assert "The deadline could not be calculated:" in words
        assert message in words
        assert "Initial response due" not in words

    def test_a_missing_target_is_explained(self, client):
        ResponseTarget.objects.filter(plan__code="premier", severity__code="B").delete()
        words = text(client.get(URL + "?plan=premier&severity=B&region=japan&zone=UTC"))
        assert "There is no response target for this plan and severity yet." in words

    def test_htmx_gets_only_the_result(self, client):
        response = client.get(CALCULATE, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert html.lstrip().startswith('<div id="calculator-result"')
        assert "<html" not in html
        assert "2026-11-23T16:30:00+00:00" in html

    def test_the_calculator_agrees_with_sla_deadline(self, client, capsys):
        from django.core.management import call_command

        call_command(
            "sla_deadline", "--plan", "subscription", "--severity", "B", "--region", "north-america",
            "--at", "2026-11-20T16:30:00-08:00",
        )  # fmt: skip
        assert capsys.readouterr().out.strip() in text(client.get(CALCULATE))


def test_published_support_channels_are_listed_after_the_portal(client):
    from sla.models import SupportChannel

    SupportChannel.objects.create(
        kind="phone", name="Severity A hotline", address="+1 206 555 0100", hours="24 hours a day", display_order=1
    )
    SupportChannel.objects.create(
        kind="email", name="Support email", address="help@contoso.example", hours="Business hours", display_order=2
    )
    submit = client.get(URL).content.decode().split('id="submit"')[1]
    words = " ".join(re.sub(r"<[^>]+>", " ", submit).split())
    assert words.index("Support portal (online)") < words.index("Severity A hotline") < words.index("Support email")
    assert 'href="tel:+12065550100"' in submit
    assert 'href="mailto:help@contoso.example"' in submit
    assert "Support mailbox" not in words
