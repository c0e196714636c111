"""The public pages: lifecycle (+ iCalendar), contacts, roadmap, compliance, evidence pack,
each as it stands now and as it stood on an earlier date (?as_of=)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cfmd.models import EvidenceKind
from escalation.models import EscalationContact
from lifecycle.models import RoadmapStatement
from lifecycle.services import lifecycle_policy_update, roadmap_statement_review
from sla.models import ResponseTarget

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 2, 1, 10, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)


def change_target(target: ResponseTarget, minutes: int, when: dt.datetime) -> None:
    target.minutes = minutes
    target._history_date = when
    target.save()


def test_as_of_shows_the_earlier_response_target_after_a_change(client, complete_cfmd, sla):
    target = ResponseTarget.objects.get(plan=sla["plans"]["subscription"], severity=sla["severities"]["B"])
    change_target(target, 300, AT)
    change_target(target, 180, LATER)
    url = reverse("cfmd:evidence_pack")

    today = client.get(url).content.decode()
    march = client.get(url, {"as_of": "2026-03-15"}).content.decode()
    january = client.get(url, {"as_of": "2026-01-15"}).content.decode()

    assert "3 hours" in today
    assert "5 hours" not in today
    assert "5 hours" in march
    assert "3 hours" not in march
    assert "Historical view" in march
    # Before the first recorded change the earlier value is unknown: said so, never guessed.
    assert "not recorded" in january


def test_lifecycle_page_shows_microsofts_table_phases_zone_and_notice(client, complete_cfmd):
    response = client.get(reverse("cfmd:lifecycle"))
    html = response.content.decode()
    assert response.status_code == 200
    for text in [
        "Mainstream end date",
        "Extended end date",
        "Dynamics versions supported",
        "America/Los_Angeles",
        "Jan. 11, 2028",
        "Dynamics NAV 2018",
        "Extended support",  # 11.0 today
        "Supported (current version)",  # 29.0
        "Support ended",  # 28.0 since 29.0 shipped
        "at least 12 months in advance",
        reverse("cfmd:lifecycle_calendar"),
    ]:
        assert text in html, text


def test_lifecycle_page_as_of_shows_the_earlier_policy_and_phases(client, complete_cfmd, product):
    from lifecycle.models import LifecyclePolicy, ProductVersion

    v27 = ProductVersion(product=product, version="27.0", policy="modern", released_on=dt.date(2025, 10, 20))
    v27._history_date = AT
    v27.save()
    LifecyclePolicy.objects.all().delete()
    lifecycle_policy_update(policy_text="Old policy.", notice_period_months=6, dates_time_zone="UTC", now=AT)
    lifecycle_policy_update(policy_text="New policy.", notice_period_months=12, dates_time_zone="UTC", now=LATER)
    old = client.get(reverse("cfmd:lifecycle"), {"as_of": "2026-03-01"}).content.decode()
    assert "Old policy." in old
    assert "at least 6 months" in old
    # On 1 March 27.0 was the current version; 11.0, 28.0 and 29.0 were recorded later.
    assert "Supported (current version)" in old
    assert "27.0" in old
    assert "29.0" not in old
    new = client.get(reverse("cfmd:lifecycle")).content.decode()
    assert "New policy." in new
    assert "at least 12 months" in new
    assert new.count("Support ended") == 2  # 27.0 and 28.0 since their successors shipped


@pytest.mark.parametrize(
    ("value", "message"),
    [("2026-13-45", "Enter the date as YYYY-MM-DD"), ("yesterday", "Enter the date as YYYY-MM-DD"),
     ("2999-01-01", "is in the future")],
)  # fmt: skip
@pytest.mark.parametrize("name", ["cfmd:lifecycle", "cfmd:contacts", "cfmd:roadmap", "cfmd:cfmd"])
def test_an_invalid_as_of_gives_a_clear_message_not_an_error(client, db, name, value, message):
    response = client.get(reverse(name), {"as_of": value})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This date cannot be shown." in html
    assert message in html


def test_calendar_feed_lists_end_of_support_dates(client, complete_cfmd):
    response = client.get(reverse("cfmd:lifecycle_calendar"))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    lines = body.replace("\r\n ", "").split("\r\n")
    assert "DTSTART;VALUE=DATE:20230110" in lines  # 11.0 mainstream end
    assert "DTSTART;VALUE=DATE:20280111" in lines  # 11.0 extended end
    assert "DTSTART;VALUE=DATE:20261018" in lines  # 28.0: last day before 29.0 shipped
    assert "SUMMARY:Contoso Advanced Warehousing 11.0: last day of extended support" in lines
    assert body.count("BEGIN:VEVENT") == 3  # 29.0 is current with no end yet


def test_contacts_page_shows_channels_with_hours_and_the_public_escalation_contact(client, complete_cfmd):
    EscalationContact.objects.create(
        name="Internal Only", role="x", email="i@x.example", phone="1", hours="x", is_public=False
    )
    html = client.get(reverse("cfmd:contacts")).content.decode()
    assert "Support portal" in html
    assert "24/7" in html
    assert 'href="mailto:support@contoso.example"' in html
    assert "Maria Escalation" in html
    assert "+45 55 55 01 99" in html
    assert "Internal Only" not in html


def test_contacts_as_of_shows_the_contact_as_it_was(client, complete_cfmd):
    contact = EscalationContact.objects.get()
    first = contact.history.earliest()
    first.history_date = AT
    first.save()
    contact.name = "Niels Newcomer"
    contact._history_date = LATER
    contact.save()
    old = client.get(reverse("cfmd:contacts"), {"as_of": "2026-03-01"}).content.decode()
    assert "Maria Escalation" in old
    assert "Niels Newcomer" not in old
    assert "Niels Newcomer" in client.get(reverse("cfmd:contacts")).content.decode()


def test_roadmap_renders_markdown_safely_with_review_date_and_releases(client, complete_cfmd, now):
    roadmap_statement_review(
        body="## Direction\n\n**Cloud first.** <script>alert(1)</script> [x](javascript:alert(1))",
        reviewed_by="Mark Manager, Head of Product",
        reviewed_on=dt.date(2026, 10, 14),
        now=now,
    )
    html = client.get(reverse("cfmd:roadmap")).content.decode()
    assert "<h2>Direction</h2>" in html
    assert "<strong>Cloud first.</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert 'href="javascript' not in html
    assert "Reviewed on Oct. 14, 2026 by Mark Manager, Head of Product." in html
    assert "2027 release wave 1" in html
    assert "30.0" in html


def test_roadmap_as_of_shows_the_statement_reviewed_then(client, complete_cfmd):
    RoadmapStatement.objects.all().delete()
    roadmap_statement_review(body="First statement.", reviewed_by="A", reviewed_on=AT.date(), now=AT)
    roadmap_statement_review(body="Second statement.", reviewed_by="B", reviewed_on=LATER.date(), now=LATER)
    assert "First statement." in client.get(reverse("cfmd:roadmap"), {"as_of": "2026-03-01"}).content.decode()
    assert "Second statement." in client.get(reverse("cfmd:roadmap")).content.decode()


def test_cfmd_page_lists_every_requirement_with_status_evidence_and_review_date(client, complete_cfmd):
    html = client.get(reverse("cfmd:cfmd")).content.decode()
    for code in ["solution_testing", "source_code_escrow", "sla", "lifecycle", "knowledge_base", "support_contacts",
                 "escalation_contact", "customer_evidence", "competency", "partner_profile", "product_roadmap"]:  # fmt: skip
        assert f'id="req-{code}"' in html
    assert 'data-status="ok"' in html
    assert "https://evidence.example/escrow" in html


def test_cfmd_page_query_count_is_bounded(client, complete_cfmd, django_assert_max_num_queries):
    with django_assert_max_num_queries(40):
        client.get(reverse("cfmd:cfmd"))


def test_lifecycle_page_query_count_is_bounded(client, complete_cfmd, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        client.get(reverse("cfmd:lifecycle"))


def test_evidence_pack_has_one_page_broken_section_per_requirement(client, complete_cfmd):
    html = client.get(reverse("cfmd:evidence_pack")).content.decode()
    assert html.count('class="pack-section page-break"') == 11
    assert "print.css" in html


def test_each_evidence_section_of_the_pack_lists_the_records_of_its_kind(client, complete_cfmd):
    html = client.get(reverse("cfmd:evidence_pack")).content.decode()
    sections = {part.split('"', 1)[0]: part for part in html.split('class="pack-section page-break" id="pack-')[1:]}
    for code, kind in [
        ("solution_testing", "test_report"),
        ("source_code_escrow", "escrow"),
        ("customer_evidence", "customer_reference"),
        ("competency", "competency"),
        ("partner_profile", "partner_profile"),
    ]:
        assert f">Current {kind}<" in sections[code], code
        others = [k for k in EvidenceKind.values if k != kind]
        assert not any(f">Current {k}<" in sections[code] for k in others), code


def test_the_version_status_fragment_flags_an_unsupported_version(client, versions):
    url = reverse("cfmd:version_status")
    ended = client.get(url, {"product_version": versions["28.0"].pk}).content.decode()
    assert "notice-bad" in ended
    assert "out of support since 2026-10-19" in ended
    current = client.get(url, {"product_version": versions["29.0"].pk}).content.decode()
    assert "notice" not in current
    assert client.get(url, {"product_version": "nonsense"}).status_code == 200
