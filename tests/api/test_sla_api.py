"""/api/v1/sla/: the published targets and the deadline calculator (the same engine)."""

from __future__ import annotations

import datetime as dt

import pytest

from sla import deadlines as sla_engine

pytestmark = pytest.mark.django_db


def test_targets_list_every_plan_and_severity_without_signing_in(api):
    response = api.get("/api/v1/sla/targets/", {"page_size": 100})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 9
    premier_b = next(t for t in body["results"] if t["plan"] == "premier" and t["severity"] == "B")
    assert premier_b == {
        "plan": "premier",
        "plan_name": "Premier",
        "severity": "B",
        "severity_name": premier_b["severity_name"],
        "minutes": 120,
        "coverage": "24x7",
        "coverage_label": "24/7",
    }


def test_the_deadline_matches_the_engine(api, sla):
    # Friday 16:30 in Berlin: business-hours severity B runs over the weekend.
    at = dt.datetime(2026, 11, 27, 16, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    response = api.get(
        "/api/v1/sla/deadline/",
        {"plan": "subscription", "severity": "B", "region": "germany", "at": at.isoformat()},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    expected = sla_engine.deadline(
        plan=sla["plans"]["subscription"],
        severity=sla["severities"]["B"],
        region=sla["regions"]["germany"],
        submitted_at=at,
    ).due_at
    assert dt.datetime.fromisoformat(body["due_at"]) == expected
    assert dt.datetime.fromisoformat(body["due_at_region"]) == expected
    assert body["due_at_region"].endswith("+01:00")
    assert body["submitted_at"] == "2026-11-27T15:30:00Z"
    assert body["target_minutes"] == 240
    assert body["coverage"] == "business_hours"
    assert body["region_time_zone"] == "Europe/Berlin"


def test_the_deadline_defaults_to_now(api):
    response = api.get("/api/v1/sla/deadline/", {"plan": "premier", "severity": "A", "region": "japan"})
    assert response.status_code == 200
    body = response.json()
    submitted = dt.datetime.fromisoformat(body["submitted_at"])
    assert dt.datetime.fromisoformat(body["due_at"]) - submitted == dt.timedelta(minutes=60)


@pytest.mark.parametrize(
    ("params", "field", "says"),
    [
        ({"severity": "A", "region": "japan"}, "plan", "required"),
        ({"plan": "gold", "severity": "A", "region": "japan"}, "plan", "premier"),
        ({"plan": "premier", "severity": "Z", "region": "japan"}, "severity", "A, B, C"),
        ({"plan": "premier", "severity": "A", "region": "mars"}, "region", "germany"),
        ({"plan": "premier", "severity": "A", "region": "japan", "at": "tomorrow"}, "at", "ISO 8601"),
        ({"plan": "premier", "severity": "A", "region": "japan", "at": "2026-11-23T09:00:00"}, "at", "UTC offset"),
        ({"plan": "premier", "severity": "A", "region": "japan", "at": "2026-13-45T09:00:00Z"}, "at", "ISO 8601"),
        ({"plan": "premier", "severity": "A", "region": "japan", "at": "9999-01-01T00:00:00Z"}, "at", "2100"),
        ({"plan": "premier", "severity": "A", "region": "japan", "zone": "x"}, "zone", "not known"),
    ],
)
def test_bad_deadline_parameters_are_a_400_naming_the_field(api, params, field, says):
    response = api.get("/api/v1/sla/deadline/", params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]
    assert says in body["fields"][field][0]
    assert body["message"].startswith(f"{field}: ")


def test_a_plan_without_a_target_for_the_severity_is_a_400(api, sla):
    from sla.models import ResponseTarget

    ResponseTarget.objects.filter(plan__code="premier", severity__code="C").delete()
    response = api.get("/api/v1/sla/deadline/", {"plan": "premier", "severity": "C", "region": "japan"})
    assert response.status_code == 400
    assert response.json()["code"] == "no_response_target"
