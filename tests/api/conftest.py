"""Fixtures for the API tests: a client, personal tokens, incidents of each persona."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache: every test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def token_for(now):
    """An API client authenticated with a new personal token of `user`."""
    from accounts.api.services import api_token_create

    def make(user) -> APIClient:
        _, raw_key = api_token_create(user=user, name="Test integration", now=now)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        client.raw_key = raw_key
        return client

    return make


@pytest.fixture
def file_incident(sla, now):
    """File an incident through the service, as `user` of their organisation."""
    from incidents.services import NewIncident, incident_create

    def make(user, *, severity: str = "B", title: str = "Pick list prints blank bin codes", **extra):
        return incident_create(
            organization=user.membership.organization,
            submitted_by=user,
            data=NewIncident(
                title=title,
                description="Since the upgrade the bin code column is empty.",
                severity=sla["severities"][severity],
                product_text="Advanced Warehousing 24.3",
                **extra,
            ),
            now=now,
        ).incident

    return make
