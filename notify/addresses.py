"""Where a webhook may be sent: to public internet addresses, unless the operator allows more.

A webhook URL is typed by a support lead or a customer's administrator; without this check
the worker would POST wherever it is told, including the loopback interface, the cloud's
metadata service or the private network the portal runs in (server-side request forgery).
So every address the URL's host resolves to must be a global one. The check runs when the
endpoint is saved (a clear message in the form) and again right before each POST (the name
may resolve elsewhere by then). `WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true` lifts it for an
installation whose receivers live on its own network (and for the test suite's receivers on
127.0.0.1).

What a refused or failed POST records says only what kind of failure it was, never the
receiver's answer, so the outbox log cannot be used to map a network.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse

from django.conf import settings
from django.utils.translation import gettext as _


class UnsafeAddress(Exception):
    """The URL may not be posted to; the message says why, for the person who typed it."""


def _addresses(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeAddress(_("The host name %(host)s does not resolve.") % {"host": host}) from exc
    return [str(info[4][0]) for info in infos]


def webhook_url_check(url: str) -> None:
    """Raise `UnsafeAddress` unless `url` is http(s) and every address of its host is public."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeAddress(_("Enter an http:// or https:// address with a host name."))
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeAddress(_("The port of this address is not a number.")) from exc
    for address in _addresses(parts.hostname, port):
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global or ip.is_multicast:
            raise UnsafeAddress(
                _(
                    "Webhooks may only be sent to public internet addresses; %(host)s is a private, "
                    "loopback or reserved address. Ask the operator to allow private addresses if your "
                    "receiver is on the same network as the portal."
                )
                % {"host": parts.hostname}
            )
