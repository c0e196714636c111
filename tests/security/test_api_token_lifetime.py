"""API tokens may expire, and every token dies when its owner's password changes."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.contrib.auth.forms import SetPasswordForm
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.api.services import api_token_create
from accounts.models import ApiToken

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


def bearer(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client


def test_a_token_with_an_expiry_stops_working_when_it_expires(customer):
    now = timezone.now()
    _, raw_key = api_token_create(user=customer, name="Sync", now=now, valid_days=30)
    assert bearer(raw_key).get(URL).status_code == 200
    with time_machine.travel(now + dt.timedelta(days=30, seconds=1)):
        response = bearer(raw_key).get(URL)
    assert response.status_code == 401
    assert "expired" in response.json()["message"]


def test_the_page_offers_an_expiry_and_90_days_is_the_default(client, customer):
    client.force_login(customer)
    page = client.get(reverse("api_tokens")).content.decode()
    assert 'name="valid_for"' in page
    client.post(reverse("api_tokens"), {"name": "Sync", "valid_for": "90"})
    token = ApiToken.objects.get()
    assert abs((token.expires_at - token.created_at) - dt.timedelta(days=90)) < dt.timedelta(seconds=1)
    client.post(reverse("api_tokens"), {"name": "Forever", "valid_for": ""})
    assert ApiToken.objects.get(name="Forever").expires_at is None


def test_a_password_reset_revokes_every_token(customer, now):
    _, raw_key = api_token_create(user=customer, name="Sync", now=now)
    form = SetPasswordForm(
        customer, {"new_password1": "an0ther-Long-passphrase", "new_password2": "an0ther-Long-passphrase"}
    )
    assert form.is_valid(), form.errors
    form.save()
    assert bearer(raw_key).get(URL).status_code == 401
    assert ApiToken.objects.get().revoked_at is not None


def test_changepassword_and_the_admin_revoke_tokens_too(customer, now):
    _, raw_key = api_token_create(user=customer, name="Sync", now=now)
    customer.set_password("yet-another-passphrase-9")
    customer.save()
    assert bearer(raw_key).get(URL).status_code == 401


def test_signing_in_or_editing_names_keeps_the_tokens(client, customer, now, django_assert_max_num_queries):
    _, raw_key = api_token_create(user=customer, name="Sync", now=now)
    customer.first_name = "Renamed"
    customer.save()
    with django_assert_max_num_queries(1):  # a sign-in's last_login: no password lookup
        customer.save(update_fields=["last_login"])
    assert bearer(raw_key).get(URL).status_code == 200


def test_the_reset_mail_command_path_is_covered_by_the_same_rule(customer, now, monkeypatch):
    # `manage.py changepassword` uses set_password + save like every other path.
    _, raw_key = api_token_create(user=customer, name="Sync", now=now)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "cmd-line-passphrase-42")
    call_command("changepassword", customer.username, stdout=io.StringIO())
    assert bearer(raw_key).get(URL).status_code == 401
