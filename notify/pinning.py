"""Webhook POSTs connect to the address that was checked (`notify.addresses.webhook_address`).

A requests transport adapter, mounted on the delivery batch's session: for each request it
resolves the host once, checks every address, and connects to the first one by its IP address,
keeping the `Host` header and, for https, the TLS server name (SNI) and the certificate check
for the host name. Between the check and the connection nothing resolves the name again, so
a DNS answer that changes (rebinding to 127.0.0.1 or the cloud's metadata service) cannot move
the POST. A refused address is a connection error for the caller (retried, then failed).
"""

from __future__ import annotations

import urllib.parse
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from notify.addresses import UnsafeAddress, webhook_address


class AddressRefused(requests.ConnectionError):
    """The host resolved (now) to an address a webhook may not go to."""


class PinnedAddressAdapter(HTTPAdapter):
    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        assert request.url is not None  # noqa: S101 - a prepared request has its URL
        parts = urllib.parse.urlsplit(request.url)
        try:
            address = webhook_address(request.url)
        except UnsafeAddress as exc:
            raise AddressRefused(str(exc), request=request) from exc
        host = parts.netloc.rpartition("@")[2]
        literal = f"[{address}]" if ":" in address else address
        request.url = urllib.parse.urlunsplit(parts._replace(netloc=literal + (f":{parts.port}" if parts.port else "")))
        request.headers["Host"] = host
        request.pinned_hostname = parts.hostname  # type: ignore[attr-defined]
        return super().send(request, *args, **kwargs)

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        hostname = getattr(request, "pinned_hostname", None)
        if hostname and host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = hostname  # SNI
            pool_kwargs["assert_hostname"] = hostname  # the certificate names the host, not the IP
        return host_params, pool_kwargs


def pinned_session() -> requests.Session:
    """A session whose http and https requests go through `PinnedAddressAdapter`."""
    session = requests.Session()
    session.mount("http://", PinnedAddressAdapter())
    session.mount("https://", PinnedAddressAdapter())
    return session
