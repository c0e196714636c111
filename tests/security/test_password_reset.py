"""Password resets: the e-mail is sent by a Celery task (not on the request), its link is
built from SITE_URL (never from the request's Host header), and requests are throttled per
e-mail address and per client address with a clear message."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from accounts import tasks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def queued(monkeypatch):
    """The tasks the request enqueued (their keyword arguments), not run."""
    calls: list[dict] = []
    monkeypatch.setattr(tasks.password_reset_send, "delay", lambda **kwargs: calls.append(kwargs))
    return calls


def ask(client, email, address="198.51.100.7", **extra):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address, **extra)


def test_the_request_enqueues_a_task_and_sends_nothing_itself(
    client, customer, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, customer.email)
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []
    assert queued == [{"user_id": customer.pk, "language": "en"}]


def test_the_link_is_built_from_site_url_not_the_host_header(
    client, customer, queued, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://support.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, customer.email, HTTP_HOST="localhost")
    tasks.password_reset_send(**queued[0])
    [message] = mail.outbox
    assert message.to == [customer.email]
    assert "https://support.example.com/accounts/reset/" in message.body
    assert "localhost" not in message.body
    html = message.alternatives[0][0]
    assert 'href="https://support.example.com/accounts/reset/' in html


def test_the_task_sends_nothing_to_a_deactivated_account(customer):
    customer.is_active = False
    customer.save(update_fields=["is_active"])
    tasks.password_reset_send(user_id=customer.pk, language="en")
    assert mail.outbox == []


def test_requests_for_one_address_are_throttled(client, customer, queued, settings, django_capture_on_commit_callbacks):
    settings.PASSWORD_RESET_EMAIL_RATE = "3/hour"
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            assert ask(client, customer.email, address=f"198.51.100.{n + 1}").status_code == 302
        response = ask(client, customer.email.upper(), address="198.51.100.50")
    assert response.status_code == 429
    assert "Too many password reset requests" in response.content.decode()
    assert "Try again in" in response.content.decode()
    assert len(queued) == 3


def test_requests_from_one_client_are_throttled(client, customer, colleague, queued, settings):
    settings.PASSWORD_RESET_CLIENT_RATE = "5/hour"
    for n in range(5):
        assert ask(client, f"nobody{n}@example.com").status_code == 302
    response = ask(client, customer.email)
    assert response.status_code == 429
    assert "Too many password reset requests" in response.content.decode()
    assert queued == []
    # Another client is not held back by the first.
    assert ask(client, colleague.email, address="198.51.100.99").status_code == 302


def test_behind_the_proxy_the_forwarded_client_is_throttled(client, customer, queued, settings):
    settings.PASSWORD_RESET_CLIENT_RATE = "2/hour"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for n in range(2):
        ask(client, f"nobody{n}@example.com", address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert ask(client, "x@example.com", address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 429
    assert ask(client, customer.email, address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.6").status_code == 302
