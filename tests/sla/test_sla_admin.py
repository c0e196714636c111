"""The SLA policy in the admin: a support lead edits plans, severities, targets and regions;
the admin refuses a policy the clock cannot use and keeps every change's history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.http import HttpRequest

from sla.models import OpeningInterval, ResponseTarget, Severity, SupportPlan, SupportRegion
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SLA_MODELS = [
    "supportplan",
    "severity",
    "responsetarget",
    "supportregion",
    "openinginterval",
    "dateexception",
    "regionlanguage",
]


@pytest.fixture
def sla_lead(lead):
    group = Group.objects.get(name="Support leads")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="incidents", content_type__model__in=SLA_MODELS)
    )
    return lead


@pytest.fixture
def lead_client(client, sla_lead):
    assert client.login(request=HttpRequest(), username=sla_lead.username, password=PASSWORD)
    return client


def post_data(response) -> dict[str, object]:
    """The change form as the browser would submit it unchanged, inlines included."""
    data: dict[str, object] = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is not None and value is not False:
            data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        for child in formset.forms:
            for name in child.fields:
                value = child[name].value()
                if value is not None and value is not False and value != "":
                    data[child.add_prefix(name)] = value
    return data


def inline_index(data: dict[str, object], prefix: str, field: str, value: object) -> int:
    for key, current in data.items():
        if key.startswith(prefix + "-") and key.endswith("-" + field) and current == value:
            return int(key.split("-")[1])
    raise AssertionError(f"no {prefix} row with {field}={value}")


def test_the_lead_sees_the_sla_models_in_the_admin(lead_client):
    page = lead_client.get("/admin/").content.decode()
    for name in ("Support plans", "Severities", "Response targets", "Support regions"):
        assert name in page


def test_a_plan_without_a_target_for_every_severity_is_refused(lead_client):
    plan = SupportPlan.objects.get(code="premier")
    url = f"/admin/sla/supportplan/{plan.pk}/change/"
    data = post_data(lead_client.get(url))
    severity_b = Severity.objects.get(code="B")
    index = inline_index(data, "targets", "severity", severity_b.pk)
    data[f"targets-{index}-DELETE"] = "on"
    response = lead_client.post(url, data)
    assert response.status_code == 200
    assert "Every plan needs a response target for every severity. Add targets for: B – Moderate." in (
        response.content.decode()
    )
    assert ResponseTarget.objects.filter(plan=plan, severity=severity_b).exists()


def test_editing_a_target_on_the_plan_page_saves_it_with_history(lead_client):
    plan = SupportPlan.objects.get(code="premier")
    url = f"/admin/sla/supportplan/{plan.pk}/change/"
    data = post_data(lead_client.get(url))
    index = inline_index(data, "targets", "severity", Severity.objects.get(code="C").pk)
    data[f"targets-{index}-minutes"] = 180
    response = lead_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    target = ResponseTarget.objects.get(plan=plan, severity__code="C")
    assert target.minutes == 180
    assert target.history.first().history_user.username == "leah.lead"
    assert lead_client.get(f"/admin/sla/supportplan/{plan.pk}/history/").status_code == 200


def test_a_new_severity_needs_a_target_on_every_plan(lead_client):
    url = "/admin/sla/severity/add/"
    page = lead_client.get(url)
    assert page.context["inline_admin_formsets"][0].formset.total_form_count() == 3
    data = post_data(page)
    data.update({"code": "D", "name": "Advisory", "business_impact": "Questions only.", "display_order": 4})
    plans = list(SupportPlan.objects.all())
    data.update({"targets-0-plan": plans[0].pk, "targets-0-minutes": 960, "targets-0-coverage": "business_hours"})
    response = lead_client.post(url, data)
    assert response.status_code == 200
    assert "Every severity needs a response target on every plan. Add targets for: Professional Direct, Premier." in (
        response.content.decode()
    )
    assert not Severity.objects.filter(code="D").exists()
    for index, plan in enumerate(plans):
        data.update(
            {
                f"targets-{index}-plan": plan.pk,
                f"targets-{index}-minutes": 960,
                f"targets-{index}-coverage": "business_hours",
            }
        )
    assert lead_client.post(url, data).status_code == 302
    assert ResponseTarget.objects.filter(severity__code="D").count() == 3


def test_the_lists_warn_when_a_target_is_missing(lead_client):
    Severity.objects.create(code="D", name="Advisory", business_impact="Questions only.", display_order=4)
    page = lead_client.get("/admin/sla/responsetarget/").content.decode()
    assert "Every plan needs a response target for every severity" in page
    assert "Subscription × D, Professional Direct × D, Premier × D" in page
    assert "Every plan needs a response target" not in lead_client.get("/admin/sla/supportregion/").content.decode()


def test_overlapping_opening_intervals_are_refused(lead_client):
    region = SupportRegion.objects.get(code="germany")
    url = f"/admin/sla/supportregion/{region.pk}/change/"
    data = post_data(lead_client.get(url))
    total = int(data["intervals-TOTAL_FORMS"])
    data.update(
        {
            "intervals-TOTAL_FORMS": total + 1,
            f"intervals-{total}-weekday": 0,
            f"intervals-{total}-opens_at": "16:00",
            f"intervals-{total}-closes_at": "20:00",
        }
    )
    response = lead_client.post(url, data)
    assert response.status_code == 200
    assert "Monday: 09:00–17:00 and 16:00–20:00 overlap." in response.content.decode()
    assert OpeningInterval.objects.filter(region=region).count() == 5


def test_a_region_without_opening_hours_is_refused(lead_client):
    region = SupportRegion.objects.get(code="denmark")
    url = f"/admin/sla/supportregion/{region.pk}/change/"
    data = post_data(lead_client.get(url))
    for index in range(int(data["intervals-TOTAL_FORMS"])):
        data[f"intervals-{index}-DELETE"] = "on"
    response = lead_client.post(url, data)
    assert response.status_code == 200
    assert "Give the region at least one opening interval" in response.content.decode()
    assert region.intervals.count() == 5


def test_a_region_gets_evening_hours_and_an_extra_closed_date(lead_client):
    region = SupportRegion.objects.get(code="germany")
    url = f"/admin/sla/supportregion/{region.pk}/change/"
    data = post_data(lead_client.get(url))
    total = int(data["intervals-TOTAL_FORMS"])
    data.update(
        {
            "intervals-TOTAL_FORMS": total + 1,
            f"intervals-{total}-weekday": 0,
            f"intervals-{total}-opens_at": "18:00",
            f"intervals-{total}-closes_at": "00:00",
            "date_exceptions-TOTAL_FORMS": 1,
            "date_exceptions-0-on": "2026-12-24",
            "date_exceptions-0-kind": "closed",
            "date_exceptions-0-note": "Christmas Eve",
        }
    )
    response = lead_client.post(url, data)
    assert response.status_code == 302
    assert region.intervals.filter(weekday=0, closes_at=dt.time(0)).exists()
    assert region.date_exceptions.get().note == "Christmas Eve"


def test_a_region_saved_in_the_admin_is_a_new_calendar_for_the_next_deadline(lead_client, sla):
    """A saved region moves its version, the calendar cache's key (sla/calendars.py)."""
    from sla.deadlines import deadline

    region = SupportRegion.objects.get(code="germany")
    monday_evening = dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.UTC)  # 18:00 in Berlin, closed
    args = {"plan": sla["plans"]["subscription"], "severity": sla["severities"]["C"], "submitted_at": monday_evening}
    before = deadline(region=region, **args).due_at  # cached under the current version
    url = f"/admin/sla/supportregion/{region.pk}/change/"
    data = post_data(lead_client.get(url))
    total = int(data["intervals-TOTAL_FORMS"])
    data.update(
        {
            "intervals-TOTAL_FORMS": total + 1,
            f"intervals-{total}-weekday": 0,
            f"intervals-{total}-opens_at": "18:00",
            f"intervals-{total}-closes_at": "00:00",
        }
    )
    assert lead_client.post(url, data).status_code == 302
    region = SupportRegion.objects.get(code="germany")
    assert region.version > 1
    after = deadline(region=region, **args).due_at
    assert before == dt.datetime(2026, 11, 24, 16, 0, tzinfo=dt.UTC)  # 8 h from Tuesday 09:00
    assert after == dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)  # 6 h on Monday evening, 2 h Tuesday


def test_an_unknown_time_zone_is_refused(lead_client):
    region = SupportRegion.objects.get(code="japan")
    url = f"/admin/sla/supportregion/{region.pk}/change/"
    data = post_data(lead_client.get(url))
    data["time_zone"] = "Asia/Atlantis"
    response = lead_client.post(url, data)
    assert "Asia/Atlantis is not an IANA time zone" in response.content.decode()


def test_an_engineer_may_read_the_policy_but_not_change_it(client, engineer):
    client.login(request=HttpRequest(), username=engineer.username, password=PASSWORD)
    plan = SupportPlan.objects.get(code="premier")
    assert client.get("/admin/sla/supportplan/").status_code == 200
    assert client.post(f"/admin/sla/supportplan/{plan.pk}/change/", {"name": "Gold"}).status_code == 403
    assert SupportPlan.objects.get(code="premier").name == "Premier"
