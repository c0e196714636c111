"""The SLA page as it stood on an earlier date (?as_of=): what the SLA promised when."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from sla.models import ResponseTarget

pytestmark = pytest.mark.django_db


def test_as_of_shows_the_target_before_a_change(client):
    target = ResponseTarget.objects.get(plan__code="subscription", severity__code="B")
    with time_machine.travel(dt.datetime(2026, 2, 1, 12, tzinfo=dt.UTC), tick=False):
        target.minutes = 300  # first recorded value: 5 hours
        target.save()
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        target.minutes = 180  # changed to 3 hours
        target.save()

    before = client.get("/support/", {"as_of": "2026-03-01"}).content.decode()
    today = client.get("/support/").content.decode()

    assert "Historical view" in before
    assert "5 hours" in before
    assert "3 hours" not in before
    assert "3 hours" in today
    assert "5 hours" not in today


def test_as_of_before_any_recorded_value_says_not_recorded(client):
    target = ResponseTarget.objects.get(plan__code="premier", severity__code="C")
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        target.minutes = 200
        target.save()
    content = client.get("/support/", {"as_of": "2026-03-01"}).content.decode()
    assert "not recorded" in content


def test_a_malformed_as_of_is_a_clear_message_not_an_error(client):
    response = client.get("/support/", {"as_of": "first of March"})
    assert response.status_code == 400
    assert "This date cannot be shown." in response.content.decode()
    assert "Initial response times" in response.content.decode()
