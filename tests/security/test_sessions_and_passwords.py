"""Sessions end after a while without activity; customers change their own password."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.api.services import api_token_create
from accounts.models import ApiToken

pytestmark = pytest.mark.django_db

ACCOUNT = reverse("account")


def test_an_idle_session_is_signed_out_with_a_message(client, customer, settings):
    settings.SESSION_IDLE_MINUTES = 30
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(customer)
        assert client.get(ACCOUNT).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert client.get(ACCOUNT).status_code == 200  # activity within the window
    with time_machine.travel(start + dt.timedelta(minutes=29 + 31), tick=False):
        response = client.get(ACCOUNT)
        assert response.status_code == 302
        assert reverse("login") in response["Location"]
        page = client.get(response["Location"]).content.decode()
    assert "signed out after 30 minutes without activity" in page
    assert "_auth_user_id" not in client.session


def test_activity_keeps_the_session_and_writes_it_at_most_once_a_minute(client, customer, settings):
    settings.SESSION_IDLE_MINUTES = 30
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(customer)
        client.get(ACCOUNT)
        first = client.session["last_seen"]
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        client.get(ACCOUNT)
        assert client.session["last_seen"] == first
    for minutes in range(20, 200, 20):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            assert client.get(ACCOUNT).status_code == 200


def test_a_customer_changes_their_password_stays_signed_in_and_their_tokens_die(client, customer, now):
    customer.set_password("old-Passphrase-2026")
    customer.save()
    api_token_create(user=customer, name="Sync", now=now)
    client.force_login(customer)
    page = client.get(ACCOUNT).content.decode()
    assert reverse("password_change") in page
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "old-Passphrase-2026",
            "new_password1": "new-Passphrase-2026!",
            "new_password2": "new-Passphrase-2026!",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    assert "API tokens were revoked" in client.get(response["Location"]).content.decode()
    customer.refresh_from_db()
    assert customer.check_password("new-Passphrase-2026!")
    assert client.get(ACCOUNT).status_code == 200  # still signed in
    assert ApiToken.objects.get().revoked_at is not None


def test_a_wrong_current_password_changes_nothing(client, customer):
    customer.set_password("old-Passphrase-2026")
    customer.save()
    client.force_login(customer)
    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "new-Passphrase-2026!", "new_password2": "new-Passphrase-2026!"},
    )
    assert response.status_code == 200
    assert "incorrect" in response.content.decode()
    customer.refresh_from_db()
    assert customer.check_password("old-Passphrase-2026")


def test_the_password_page_needs_a_signed_in_user(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
