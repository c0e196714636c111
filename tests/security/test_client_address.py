"""Issue 25, point 7: a client that reaches gunicorn directly, around the proxy, cannot rotate
the address it is counted by with a forged X-Forwarded-For once `TRUSTED_PROXIES` names the
proxies; and docker-compose publishes the web port on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import RequestFactory

from core.client_address import client_address
from portal.api.throttles import IpRateThrottle

PROXY = "10.0.0.2"
CLIENT = "198.51.100.7"


def request(remote_addr: str, forwarded: str):
    return RequestFactory().get("/", REMOTE_ADDR=remote_addr, HTTP_X_FORWARDED_FOR=forwarded)


@pytest.fixture
def one_proxy(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    return settings


def test_without_trusted_proxies_any_peer_s_forwarded_header_counts(one_proxy):
    one_proxy.TRUSTED_PROXIES = []
    assert client_address(request(CLIENT, "203.0.113.1")) == "203.0.113.1"


def test_a_forged_header_from_a_peer_that_is_no_trusted_proxy_is_ignored(one_proxy):
    one_proxy.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for forged in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        assert client_address(request(CLIENT, forged)) == CLIENT
        assert IpRateThrottle().get_ident(request(CLIENT, forged)) == CLIENT


def test_the_trusted_proxy_s_forwarded_client_counts(one_proxy):
    one_proxy.TRUSTED_PROXIES = ["10.0.0.0/8", "127.0.0.1"]
    assert client_address(request(PROXY, CLIENT)) == CLIENT
    assert client_address(request("127.0.0.1", CLIENT)) == CLIENT
    assert IpRateThrottle().get_ident(request(PROXY, CLIENT)) == CLIENT


def test_compose_publishes_the_web_port_on_loopback_unless_told_otherwise():
    compose = (Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text()
    assert '"${WEB_BIND:-127.0.0.1}:${WEB_PORT:-8000}:8000"' in compose
