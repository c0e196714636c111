"""The portal rides out a cache outage (docs/OPERATIONS.md): with its Redis stalled or gone,
signed-in pages and the API still answer, fast; the public escalation form's limit refuses;
when Redis is back, the cache is used again."""

from __future__ import annotations

import time

import pytest
import redis
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Invitation
from escalation.services.requests import RateLimited, public_rate_limit_check

pytestmark = [pytest.mark.faults, pytest.mark.django_db]

FAST = 3.0  # seconds: a few cache timeouts (0.25 s each) and the work, never a hang


def _timed_get(client, url: str):
    started = time.monotonic()
    response = client.get(url)
    return response, time.monotonic() - started


@pytest.mark.parametrize("outage", ["stall", "stop"])
def test_signed_in_pages_and_the_api_answer_while_the_cache_is_down_and_use_it_again_after(
    redis_server, cache_on, customer, outage
):
    cache_on(redis_server.url)
    client = APIClient()
    client.force_login(customer)
    session_key = client.cookies["sessionid"].value
    assert cache.has_key(f"django.contrib.sessions.cached_db{session_key}")  # sessions are in Redis
    pages = [reverse("incidents:list"), reverse("api:incidents:collection")]
    for url in pages:
        assert client.get(url).status_code == 200

    redis_server.stall() if outage == "stall" else redis_server.stop()
    for _ in range(3):  # each cache call meets its timeout, the request goes on without it
        for url in pages:
            response, took = _timed_get(client, url)
            assert response.status_code == 200, (url, response.status_code)
            assert took < FAST, (url, took)

    if outage == "stall":
        redis_server.resume()
    else:
        redis_server.start()  # empty: every session is read from the database again
    for url in pages:
        response, took = _timed_get(client, url)
        assert response.status_code == 200, (url, response.status_code)
        assert took < FAST, (url, took)
    assert cache.has_key(f"django.contrib.sessions.cached_db{session_key}")
    keys = redis.Redis.from_url(redis_server.url).keys("*")
    assert any(key.startswith(b":1:throttle_") for key in keys)  # the API throttles count again


def test_the_public_escalation_form_limit_refuses_while_the_cache_is_down(redis_server, cache_on):
    cache_on(redis_server.url)
    public_rate_limit_check(remote_addr="203.0.113.7", email="mia@microsoft.example")  # counted in Redis

    redis_server.stop()
    started = time.monotonic()
    with pytest.raises(RateLimited, match="cannot accept escalation requests here right now"):
        public_rate_limit_check(remote_addr="203.0.113.7", email="mia@microsoft.example")
    with pytest.raises(RateLimited):
        public_rate_limit_check(remote_addr="203.0.113.8", email="mia@microsoft.example")
    assert time.monotonic() - started < FAST

    redis_server.start()
    public_rate_limit_check(remote_addr="203.0.113.7", email="mia@microsoft.example")


def test_sign_in_and_sign_out_work_while_the_cache_is_down(redis_server, cache_on, customer, client):
    cache_on(redis_server.url)
    redis_server.stop()
    customer.set_password("correct-horse-battery")
    customer.save(update_fields=["password"])

    response = client.post(reverse("login"), {"username": customer.username, "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert client.get(reverse("incidents:list")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("incidents:list")).status_code == 302  # to the sign-in page


@pytest.mark.parametrize("outage", ["stall", "stop"])
def test_public_pages_render_while_the_cache_is_down_and_are_cached_again_after(redis_server, cache_on, sla, outage):
    cache_on(redis_server.url)
    visitor = Client()
    url = reverse("sla:page")
    assert visitor.get(url).status_code == 200  # rendered and stored in Redis

    redis_server.stall() if outage == "stall" else redis_server.stop()
    for _ in range(3):
        response, took = _timed_get(visitor, url)
        assert response.status_code == 200
        assert took < FAST, took

    redis_server.resume() if outage == "stall" else redis_server.start()
    visitor.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert visitor.get(url).status_code == 200
    assert len(ctx.captured_queries) == 0  # served from Redis again


def test_the_cache_keeps_one_redis_client_and_it_reconnects_after_a_restart(redis_server, cache_on):
    """django-redis: one redis-py client per pool, not one per call (Django's backend), and
    that client works again once its server is back."""
    cache_on(redis_server.url)
    client = cache.client.get_client()
    assert cache.client.get_client(write=True) is client
    cache.set("greeting", "hello")
    assert cache.get("greeting") == "hello"
    redis_server.stop()
    with pytest.raises(redis.ConnectionError):
        client.get(":1:greeting")
    redis_server.start()
    cache.set("greeting", "hello again")
    assert cache.get("greeting") == "hello again"
    assert cache.client.get_client() is client


def test_password_resets_and_invitations_refuse_clearly_while_the_cache_that_counts_them_is_down(
    redis_server, cache_on, customer, customer_admin, monkeypatch
):
    """Their limits guard security paths (mail to any address): they fail closed, with a
    message, as the escalation form's does; a 500 was the answer before."""
    from accounts import tasks

    queued = []
    monkeypatch.setattr(tasks.password_reset_send, "delay", lambda **kwargs: queued.append(kwargs))
    cache_on(redis_server.url)
    admin = Client()
    admin.force_login(customer_admin)  # the session is in the database too
    redis_server.stop()
    anonymous = Client(raise_request_exception=False)
    response = anonymous.post(reverse("password_reset"), {"email": customer.email})
    assert response.status_code == 503
    assert "This cannot be done right now. Please try again in a few minutes." in response.content.decode()
    assert queued == []
    response = admin.post(reverse("account_members"), {"email": "new.colleague@example.com", "role": "viewer"})
    assert response.status_code == 503
    assert "This cannot be done right now." in response.content.decode()
    assert not Invitation.objects.filter(email="new.colleague@example.com").exists()
