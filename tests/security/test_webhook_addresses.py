"""Webhooks cannot be pointed at the portal's own network (server-side request forgery), and
a failed POST tells nothing about what answered; signing secrets are shown once."""

from __future__ import annotations

import socket

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from notify.addresses import UnsafeAddress, webhook_url_check
from notify.models import Delivery, DeliveryStatus, WebhookEndpoint
from tests.escalation.conftest import file_incident
from tests.notify.outbox import send_pending

pytestmark = pytest.mark.django_db

__all__ = ["file_incident"]


@pytest.fixture(autouse=True)
def _production_rule(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False


def resolving_to(monkeypatch, *addresses: str) -> None:
    def fake(host, port, *args, **kwargs):
        family = socket.AF_INET6 if ":" in addresses[0] else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379/",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.1/hook",
        "http://172.16.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",  # the cloud's metadata service
        "http://[::1]/hook",
        "http://[fd00::1]/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",  # carrier-grade NAT
    ],
)
def test_private_loopback_and_reserved_addresses_are_refused(url):
    with pytest.raises(UnsafeAddress, match="public internet addresses"):
        webhook_url_check(url)


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "http:///nohost", "gopher://a/"])
def test_only_http_and_https_urls_with_a_host(url):
    with pytest.raises(UnsafeAddress):
        webhook_url_check(url)


def test_a_name_that_resolves_to_a_private_address_is_refused(monkeypatch):
    resolving_to(monkeypatch, "93.184.215.14", "10.1.2.3")  # one bad address is enough
    with pytest.raises(UnsafeAddress):
        webhook_url_check("https://hooks.example.com/x")


def test_a_public_address_is_allowed(monkeypatch):
    resolving_to(monkeypatch, "93.184.215.14")
    webhook_url_check("https://hooks.example.com/x")


def test_the_operator_may_allow_private_receivers(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    webhook_url_check("http://127.0.0.1:9/hook")


def test_the_admin_form_refuses_a_private_url_with_a_clear_message(admin_client):
    response = admin_client.post(
        reverse("admin:notify_webhookendpoint_add"),
        {
            "name": "Internal",
            "url": "http://127.0.0.1:6379/",
            "format": "generic",
            "secret": "s" * 40,
            "is_active": "on",
            "on_escalated": "on",
        },
    )
    assert response.status_code == 200
    assert "public internet addresses" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_a_url_that_became_private_is_refused_at_send_time_and_not_retried(file_incident, now):
    WebhookEndpoint.objects.create(name="Ops", url="http://127.0.0.1:9/hook", on_created=True)
    file_incident(at=now)
    delivery = Delivery.objects.get(channel="webhook")
    assert send_pending(now=now).failed == [delivery.pk]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error.startswith("refused: ")
    assert delivery.response_code is None


def test_engineers_with_view_access_never_see_a_signing_secret(client, engineer):
    engineer.user_permissions.add(Permission.objects.get(codename="view_webhookendpoint"))
    hook = WebhookEndpoint.objects.create(name="Ops", url="https://hooks.example.com/x")
    client.force_login(engineer)
    response = client.get(reverse("admin:notify_webhookendpoint_change", args=[hook.pk]))
    assert response.status_code == 200
    assert hook.secret not in response.content.decode()


def test_the_secret_is_shown_on_creation_and_a_new_one_once(admin_client, monkeypatch):
    response = admin_client.get(reverse("admin:notify_webhookendpoint_add"))
    assert 'name="secret"' in response.content.decode()
    hook = WebhookEndpoint.objects.create(name="Ops", url="https://hooks.example.com/x")
    old = hook.secret
    assert old not in admin_client.get(reverse("admin:notify_webhookendpoint_change", args=[hook.pk])).content.decode()
    response = admin_client.post(
        reverse("admin:notify_webhookendpoint_changelist"),
        {"action": "secret_rotate", "_selected_action": [hook.pk]},
        follow=True,
    )
    hook.refresh_from_db()
    assert hook.secret != old
    assert hook.secret in response.content.decode()  # once, in the message
    assert (
        hook.secret
        not in admin_client.get(reverse("admin:notify_webhookendpoint_change", args=[hook.pk])).content.decode()
    )


def test_only_those_who_may_change_endpoints_may_rotate_a_secret(client, engineer):
    engineer.user_permissions.add(Permission.objects.get(codename="view_webhookendpoint"))
    client.force_login(engineer)
    response = client.get(reverse("admin:notify_webhookendpoint_changelist"))
    assert "secret_rotate" not in response.content.decode()
