"""Personal API tokens: created on the account's token page, shown once, revoked there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.api.services import MAX_ACTIVE_TOKENS, ApiTokenError, api_token_create, api_token_revoke
from accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def test_creating_a_token_shows_its_key_once(client, customer):
    client.force_login(customer)
    response = client.post(reverse("api_tokens"), {"name": "Helpdesk sync"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=customer)
    raw_key = response.context["raw_key"]
    assert raw_key.startswith(token.prefix)
    assert raw_key in response.content.decode()
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    again = client.get(reverse("api_tokens"))
    assert raw_key not in again.content.decode()
    assert "Helpdesk sync" in again.content.decode()
    assert token.prefix in again.content.decode()


def test_a_token_needs_a_name(client, customer):
    client.force_login(customer)
    response = client.post(reverse("api_tokens"), {"name": "  "})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_the_number_of_active_tokens_is_limited(customer, now):
    for n in range(MAX_ACTIVE_TOKENS):
        api_token_create(user=customer, name=f"t{n}", now=now)
    with pytest.raises(ApiTokenError, match="revoke one"):
        api_token_create(user=customer, name="one more", now=now)


def test_revoking_on_the_page_stops_the_token(client, customer, now):
    token, raw_key = api_token_create(user=customer, name="Helpdesk", now=now)
    client.force_login(customer)
    response = client.post(reverse("api_token_revoke", args=[token.pk]), follow=True)
    assert response.status_code == 200
    assert "revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    api_response = client.get("/api/v1/incidents/", HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert api_response.status_code == 401


def test_nobody_can_revoke_someone_elses_token_on_the_page(client, customer, colleague, now):
    token, _ = api_token_create(user=customer, name="Helpdesk", now=now)
    client.force_login(colleague)
    response = client.post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_service_refuses_to_revoke_someone_elses_token(customer, colleague, now):
    token, _ = api_token_create(user=customer, name="Helpdesk", now=now)
    with pytest.raises(ApiTokenError):
        api_token_revoke(token=token, by=colleague, now=now)


def test_revoking_twice_keeps_the_first_time(customer, now):
    import datetime as dt

    token, _ = api_token_create(user=customer, name="Helpdesk", now=now)
    api_token_revoke(token=token, by=customer, now=now)
    stale = ApiToken.objects.get(pk=token.pk)
    stale.revoked_at = None  # someone else's copy, loaded before the first revoke
    api_token_revoke(token=stale, by=customer, now=now + dt.timedelta(hours=1))
    assert stale.revoked_at == now
    assert ApiToken.objects.get(pk=token.pk).revoked_at == now


def test_the_token_page_needs_a_sign_in(client):
    response = client.get(reverse("api_tokens"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_staff_manage_their_tokens_on_the_same_page(client, engineer):
    client.force_login(engineer)
    response = client.post(reverse("api_tokens"), {"name": "Ops"})
    assert response.status_code == 200
    assert ApiToken.objects.filter(user=engineer).count() == 1
