"""Invitations are throttled per invited address and per client, with a clear message."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Invitation

pytestmark = pytest.mark.django_db

MEMBERS = reverse("account_members")


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def test_the_same_address_cannot_be_invited_over_and_over(client, customer_admin, settings):
    settings.INVITATION_EMAIL_RATE = "2/hour"
    client.force_login(customer_admin)
    for _ in range(2):
        response = client.post(MEMBERS, {"email": "target@example.com", "role": "submitter"})
        assert response.status_code in (200, 302)
    response = client.post(MEMBERS, {"email": "TARGET@example.com", "role": "submitter"})
    assert response.status_code == 429
    assert "Too many invitations. Try again in" in response.content.decode()
    assert client.post(MEMBERS, {"email": "someone.else@example.com", "role": "viewer"}).status_code == 302


def test_one_client_cannot_send_invitations_without_end(client, customer_admin, settings):
    settings.INVITATION_CLIENT_RATE = "3/hour"
    client.force_login(customer_admin)
    for i in range(3):
        assert client.post(MEMBERS, {"email": f"p{i}@example.com", "role": "viewer"}).status_code == 302
    response = client.post(MEMBERS, {"email": "p9@example.com", "role": "viewer"})
    assert response.status_code == 429
    assert not Invitation.objects.filter(email="p9@example.com").exists()
