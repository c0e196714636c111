"""Guessing passwords on the sign-in pages (accounts/lockout.py): after AXES_FAILURE_LIMIT
failures an account is locked out *from that address* for AXES_COOLOFF_TIME; an address alone
after SIGN_IN_ADDRESS_FAILURE_LIMIT failures; an account with many failures from anywhere is
slowed down, never locked. Nobody can lock another person out (issue 25, point 1). The address
is the client's own behind the proxies counted in REST_FRAMEWORK["NUM_PROXIES"]."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db

CLIENT = "198.51.100.7"
OTHER_CLIENT = "198.51.100.8"
START = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


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
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 7
    settings.SIGN_IN_ACCOUNT_SLOWDOWN_AFTER = 10
    return 3


@pytest.mark.parametrize("login", ["login", "admin:login"])
def test_failures_from_one_address_do_not_lock_the_owner_out_from_another(client, settings, customer, engineer, login):
    # The attack of issue 25: five wrong passwords for someone from one address, then their
    # right password from another address (the site's sign-in and the admin's).
    settings.AXES_FAILURE_LIMIT = 5
    user = engineer if login == "admin:login" else customer
    fail(client, reverse(login), user.username, 5)
    assert sign_in(client, reverse(login), user.username, "wrong-password").status_code == 429
    assert sign_in(client, reverse(login), user.username, PASSWORD, address=OTHER_CLIENT).status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_failures_lock_the_account_out_from_that_address(client, customer, limit):
    login = reverse("login")
    fail(client, login, customer.username, limit)
    response = sign_in(client, login, customer.username, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_attempts_refused_by_a_lock_are_not_counted(client, customer, limit):
    login = reverse("login")
    fail(client, login, customer.username, limit)
    for _ in range(3):
        assert sign_in(client, login, customer.username, PASSWORD).status_code == 429
    fail(client, login, customer.username, 2)
    assert AccessAttempt.objects.get().failures_since_start == limit
    assert AccessFailureLog.objects.count() == limit


def test_an_address_alone_is_locked_after_its_own_higher_limit(client, customer, colleague, limit):
    login = reverse("login")
    for name in ("a", "b", "c"):
        fail(client, login, f"someone-{name}", 2)
    # Six failures over three accounts: under the address's limit of seven.
    assert sign_in(client, login, colleague.username, PASSWORD).status_code == 302
    client.logout()
    fail(client, login, "someone-d", 2)
    assert sign_in(client, login, customer.username, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is not locked out with it.
    assert sign_in(client, login, customer.username, PASSWORD, address=OTHER_CLIENT).status_code == 302


def test_many_failures_from_many_addresses_slow_the_account_down_without_locking_it(client, customer, settings, limit):
    settings.SIGN_IN_ACCOUNT_SLOWDOWN_AFTER = 4
    login = reverse("login")
    with time_machine.travel(START, tick=False) as traveller:
        for address in range(1, 6):  # one guess from each of five addresses, ten seconds apart
            fail(client, login, customer.username, 1, address=f"203.0.113.{address}")
            traveller.shift(dt.timedelta(seconds=10))
        traveller.shift(dt.timedelta(seconds=-10))
        # Five failures, one over the threshold: the next attempt waits 2 seconds after the last.
        assert sign_in(client, login, customer.username, PASSWORD, address=OTHER_CLIENT).status_code == 429
        assert sign_in(client, login, customer.username, "guess", address="203.0.113.9").status_code == 429
        assert AccessFailureLog.objects.count() == 5  # the refused attempts are not counted
        traveller.shift(dt.timedelta(seconds=3))
        assert sign_in(client, login, customer.username, PASSWORD, address=OTHER_CLIENT).status_code == 302


def test_the_slow_down_spares_an_address_the_owner_signed_in_from_before(client, customer, settings, limit):
    settings.SIGN_IN_ACCOUNT_SLOWDOWN_AFTER = 2
    login = reverse("login")
    assert sign_in(client, login, customer.username, PASSWORD, address=OTHER_CLIENT).status_code == 302
    client.logout()
    with time_machine.travel(START, tick=False):
        for address in range(1, 6):
            fail(client, login, customer.username, 1, address=f"203.0.113.{address}")
        assert sign_in(client, login, customer.username, PASSWORD, address="203.0.113.50").status_code == 429
        assert sign_in(client, login, customer.username, PASSWORD, address=OTHER_CLIENT).status_code == 302


def test_the_slow_down_waits_at_most_its_maximum(client, customer, settings, limit):
    settings.SIGN_IN_ACCOUNT_SLOWDOWN_AFTER = 1
    settings.SIGN_IN_ACCOUNT_SLOWDOWN_MAX_SECONDS = 30
    login = reverse("login")
    with time_machine.travel(START, tick=False) as traveller:
        for address in range(1, 11):
            fail(client, login, customer.username, 1, address=f"203.0.113.{address}")
            traveller.shift(dt.timedelta(seconds=31))
        assert sign_in(client, login, customer.username, PASSWORD, address=OTHER_CLIENT).status_code == 302


def test_a_locked_person_resets_their_password_and_signs_in(client, customer, limit):
    login = reverse("login")
    fail(client, login, customer.username, limit)
    assert sign_in(client, login, customer.username, PASSWORD).status_code == 429
    assert client.get(reverse("password_reset"), REMOTE_ADDR=CLIENT).status_code == 200
    uid = urlsafe_base64_encode(force_bytes(customer.pk))
    token = default_token_generator.make_token(customer)
    response = client.get(reverse("password_reset_confirm", args=[uid, token]), REMOTE_ADDR=CLIENT)
    new = "a-new-passphrase-for-olivia"
    response = client.post(response.url, {"new_password1": new, "new_password2": new}, REMOTE_ADDR=CLIENT)
    assert response.status_code == 302
    assert sign_in(client, login, customer.username, new).status_code == 302


def test_staff_see_the_lockouts_in_the_admin_and_lift_one(client, customer, limit):
    login = reverse("login")
    fail(client, login, customer.username, limit)
    lead = StaffFactory(username="lena.lead", group="Support leads")
    client.force_login(lead)
    listing = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert customer.username in listing.content.decode()
    attempt = AccessAttempt.objects.get()
    response = client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    client.logout()
    assert sign_in(client, login, customer.username, PASSWORD).status_code == 302


def test_fewer_failures_than_the_limit_do_not_lock_out(client, customer, limit):
    fail(client, reverse("login"), customer.username, limit - 1)
    assert sign_in(client, reverse("login"), customer.username, PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, customer, limit):
    login = reverse("login")
    with time_machine.travel(START, tick=False) as traveller:
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
    fail(client, login, customer.username, limit, address="10.0.0.2", HTTP_X_FORWARDED_FOR=CLIENT)
    assert AccessAttempt.objects.get().ip_address == CLIENT
    proxied = {"address": "10.0.0.2", "HTTP_X_FORWARDED_FOR": CLIENT}
    assert sign_in(client, login, customer.username, PASSWORD, **proxied).status_code == 429
    # The same account from another client behind the same proxy is not locked out.
    proxied["HTTP_X_FORWARDED_FOR"] = OTHER_CLIENT
    assert sign_in(client, login, customer.username, PASSWORD, **proxied).status_code == 302


def test_behind_an_uncounted_proxy_failures_for_one_account_lock_out_no_one_else(client, customer, colleague, limit):
    # API_NUM_PROXIES=0 behind a proxy: every client has the proxy's address. Before issue 25,
    # five failures from anyone locked out everyone.
    login = reverse("login")
    fail(client, login, "someone-else", limit, address="10.0.0.2", HTTP_X_FORWARDED_FOR=CLIENT)
    assert sign_in(client, login, colleague.username, PASSWORD, address="10.0.0.2").status_code == 302


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
