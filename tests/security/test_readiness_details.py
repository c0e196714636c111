"""Issue 25, point 6: what failed and why (host names, error texts) is shown only to staff
who passed their second factor, or to a monitor holding READINESS_TOKEN; never to loopback
(a proxy on the same host makes everyone loopback), a wrong token, or a password alone."""

from __future__ import annotations

import pytest

from tests.portal.test_shell import MONITOR_TOKEN


@pytest.fixture
def monitor(settings):
    settings.READINESS_TOKEN = MONITOR_TOKEN
    return {"HTTP_AUTHORIZATION": f"Bearer {MONITOR_TOKEN}"}


@pytest.mark.django_db
def test_a_monitor_holding_the_token_sees_the_details(client, monitor):
    assert "checks" in client.get("/readyz/workers", REMOTE_ADDR="203.0.113.9", **monitor).json()


@pytest.mark.django_db
def test_loopback_and_a_wrong_token_see_the_status_only(client, monitor):
    """No loopback exception (a proxy on the same host makes everyone loopback)."""
    assert client.get("/readyz/workers").json().keys() == {"status"}  # REMOTE_ADDR 127.0.0.1
    wrong = client.get("/readyz/workers", HTTP_AUTHORIZATION="Bearer a-monitor-token-of-thirty-two-chars?")
    assert wrong.json().keys() == {"status"}


@pytest.mark.django_db
def test_staff_see_the_details_from_anywhere(client, engineer):
    client.force_login(engineer)
    assert "checks" in client.get("/readyz/workers", REMOTE_ADDR="203.0.113.9").json()


@pytest.mark.two_factor
@pytest.mark.django_db
def test_staff_who_have_not_passed_their_second_factor_see_the_status_only(client, engineer):
    client.force_login(engineer)  # the password step only
    assert client.get("/readyz/workers", REMOTE_ADDR="203.0.113.9").json().keys() == {"status"}
