"""Brute force on the sign-in pages: after AXES_FAILURE_LIMIT failures an account, and a
client address, is locked out of the site's sign-in page and of the admin's for
AXES_COOLOFF_TIME, with a clear page and an audit row; the address is the client's own
behind the proxies counted in REST_FRAMEWORK["NUM_PROXIES"] (the API throttles' setting)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

CLIENT = "198.51.100.7"
OTHER_CLIENT = "198.51.100.8"


def sign_in(client, url, username, password, address=CLIENT, **extra):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def fail(client, url, username, times, address=CLIENT, **extra):
    for _ in range(times):
        response = sign_in(client, url, username, "wrong-password", address, **extra)
        assert response.status_code in (200, 429)


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
    return 3


def test_failures_lock_the_account_out_even_from_another_address(client, customer, limit):
    login = reverse("login")
    fail(client, login, customer.username, limit)
    response = sign_in(client, login, customer.username, PASSWORD, address=OTHER_CLIENT)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_lock_the_client_address_out_for_every_account(client, customer, colleague, limit):
    login = reverse("login")
    fail(client, login, "someone-else", limit)
    assert sign_in(client, login, colleague.username, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address and an account without failures still get in.
    assert sign_in(client, login, colleague.username, PASSWORD, address=OTHER_CLIENT).status_code == 302


def test_the_admin_sign_in_is_locked_out_too(client, engineer, limit):
    login = reverse("admin:login")
    fail(client, login, engineer.username, limit)
    response = sign_in(client, login, engineer.username, PASSWORD, address=OTHER_CLIENT)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_fewer_failures_than_the_limit_do_not_lock_out(client, customer, limit):
    fail(client, reverse("login"), customer.username, limit - 1)
    assert sign_in(client, reverse("login"), customer.username, PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, customer, limit):
    login = reverse("login")
    with time_machine.travel(dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC), tick=False) as traveller:
        fail(client, login, customer.username, limit)
        assert sign_in(client, login, customer.username, PASSWORD).status_code == 429
        traveller.shift(dt.timedelta(minutes=16))
        assert sign_in(client, login, customer.username, PASSWORD).status_code == 302


def test_every_failure_leaves_an_audit_row(client, customer, limit):
    fail(client, reverse("login"), customer.username, 2)
    attempt = AccessAttempt.objects.get(username=customer.username)
    assert (attempt.ip_address, attempt.failures_since_start) == (CLIENT, 2)
    assert AccessFailureLog.objects.filter(username=customer.username, ip_address=CLIENT).count() == 2


def test_behind_the_proxy_the_forwarded_client_address_counts(client, customer, colleague, limit, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    login = reverse("login")
    fail(client, login, "someone-else", limit, address="10.0.0.2", HTTP_X_FORWARDED_FOR=CLIENT)
    assert AccessAttempt.objects.get().ip_address == CLIENT
    # Another client behind the same proxy is not locked out with the first.
    response = sign_in(
        client, login, colleague.username, PASSWORD, address="10.0.0.2", HTTP_X_FORWARDED_FOR=OTHER_CLIENT
    )
    assert response.status_code == 302


def test_without_a_proxy_a_forged_forwarded_header_does_not_count(client, customer, limit, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    fail(client, reverse("login"), "someone-else", 1, HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert AccessAttempt.objects.get().ip_address == CLIENT


def test_a_successful_sign_in_forgets_earlier_failures(client, customer, limit):
    login = reverse("login")
    fail(client, login, customer.username, limit - 1)
    assert sign_in(client, login, customer.username, PASSWORD).status_code == 302
    client.logout()
    fail(client, login, customer.username, limit - 1)
    assert sign_in(client, login, customer.username, PASSWORD).status_code == 302
