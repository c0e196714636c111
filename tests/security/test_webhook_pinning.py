"""Issue 25, point 4: a webhook POST connects to the address that was checked (resolved
once, the address pinned, Host and TLS name kept), so DNS rebinding cannot move it to the
portal's own network; IPv6 forms that embed an IPv4 address are judged by it."""

from __future__ import annotations

import socket
import urllib.parse

import pytest
import requests
from requests.adapters import HTTPAdapter

from notify.addresses import UnsafeAddress, webhook_url_check
from notify.models import Delivery, DeliveryStatus, WebhookEndpoint
from notify.pinning import PinnedAddressAdapter, pinned_session
from tests.escalation.conftest import file_incident
from tests.notify.outbox import send_pending
from tests.notify.receiver import start_receiver

pytestmark = pytest.mark.django_db

__all__ = ["file_incident"]

HOST = "hooks.example.com"
PUBLIC = "93.184.215.14"
_real_getaddrinfo = socket.getaddrinfo


@pytest.fixture
def receiver():
    state, server = start_receiver()
    yield state
    state.release.set()
    server.shutdown()


def answers(monkeypatch, *addresses: str) -> list[str]:
    """HOST resolves to each of `addresses` in turn (the last one from then on); every other
    name and literal as usual. Returns the list of answers given."""
    given: list[str] = []

    def fake(host, port, *args, **kwargs):
        if host != HOST:
            return _real_getaddrinfo(host, port, *args, **kwargs)
        address = addresses[min(len(given), len(addresses) - 1)]
        given.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return given


def port_of(receiver) -> int:
    return urllib.parse.urlsplit(receiver.url).port


@pytest.mark.parametrize(
    "url",
    [
        "http://[::127.0.0.1]/hook",  # IPv4-compatible
        "http://[64:ff9b::7f00:1]/hook",  # NAT64 of 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",  # NAT64 of 169.254.169.254
        "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped
        "http://[::ffff:10.0.0.1]/hook",
        "http://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
    ],
)
def test_ipv6_forms_of_an_internal_ipv4_address_are_refused(settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(UnsafeAddress, match="public internet addresses"):
        webhook_url_check(url)


def test_the_nat64_form_of_a_public_address_is_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    webhook_url_check("http://[64:ff9b::5db8:d70e]/hook")  # 93.184.215.14


def test_dns_rebinding_cannot_move_the_post_to_loopback(settings, monkeypatch, file_incident, now, receiver):
    # Public when checked, 127.0.0.1 a moment later: the POST goes to the checked address or nowhere.
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    WebhookEndpoint.objects.create(name="Ops", url=f"http://{HOST}:{port_of(receiver)}/hook", on_created=True)
    file_incident(at=now)
    answers(monkeypatch, PUBLIC, "127.0.0.1")
    result = send_pending(now=now, channel="webhook")
    assert receiver.received == []
    delivery = Delivery.objects.get(channel="webhook")
    assert delivery.pk not in result.sent
    assert delivery.status != DeliveryStatus.SENT


def test_the_post_goes_to_the_address_resolved_once_with_its_host_header(
    settings, monkeypatch, file_incident, now, receiver
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # the receiver is on 127.0.0.1
    url = f"http://{HOST}:{port_of(receiver)}/hook"
    WebhookEndpoint.objects.create(name="Ops", url=url, on_created=True)
    file_incident(at=now)
    given = answers(monkeypatch, "127.0.0.1", "127.0.0.9")  # a second lookup would miss the receiver
    assert send_pending(now=now, channel="webhook").sent == [Delivery.objects.get(channel="webhook").pk]
    [request] = receiver.received
    assert request.headers["host"] == f"{HOST}:{port_of(receiver)}"
    assert given == ["127.0.0.1"]


def test_https_keeps_the_host_name_for_sni_and_the_certificate(settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    answers(monkeypatch, PUBLIC)
    seen = {}

    def capture(self, request, *args, **kwargs):
        seen["url"], seen["host"] = request.url, request.headers["Host"]
        seen["pool"] = self.build_connection_pool_key_attributes(request, True)
        response = requests.Response()
        response.status_code = 204
        return response

    monkeypatch.setattr(HTTPAdapter, "send", capture)
    assert pinned_session().post(f"https://{HOST}/hook", data=b"{}").status_code == 204
    assert seen["url"] == f"https://{PUBLIC}/hook"
    assert seen["host"] == HOST
    host_params, pool_kwargs = seen["pool"]
    assert host_params["host"] == PUBLIC
    assert pool_kwargs["server_hostname"] == pool_kwargs["assert_hostname"] == HOST
    assert pool_kwargs["cert_reqs"] == "CERT_REQUIRED"


def test_a_refused_address_is_a_connection_error_for_the_caller(settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    answers(monkeypatch, "127.0.0.1")
    session = requests.Session()
    session.mount("http://", PinnedAddressAdapter())
    with pytest.raises(requests.ConnectionError):
        session.post(f"http://{HOST}/hook", data=b"{}")
