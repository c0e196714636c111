"""Where a webhook may be sent: to public internet addresses, unless the operator allows more.

A webhook URL is typed by a support lead or a customer's administrator; without this check
the worker would POST wherever it is told, including the loopback interface, the cloud's
metadata service or the private network the portal runs in (server-side request forgery).
So every address the URL's host resolves to must be a global one. The check runs when the
endpoint is saved (a clear message in the form) and again right before each POST (the name
may resolve elsewhere by then), and the POST connects to the very address that was checked
(`notify.pinning`: resolved once, Host and TLS name kept). IPv6 forms that embed an IPv4
address (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`,
6to4) are judged by that IPv4 address. `WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true` lifts it for an
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


# IPv6 forms that carry an IPv4 address a gateway or the host itself connects to: judged by it.
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # [::127.0.0.1]
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))  # [64:ff9b::7f00:1]


def _judged(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The address that decides: the IPv4 address inside an IPv4-mapped, IPv4-compatible,
    NAT64 or 6to4 IPv6 address, else the address itself."""
    if isinstance(ip, ipaddress.IPv4Address):
        return ip
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _IPV4_COMPATIBLE or any(ip in network for network in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def address_is_public(address: str) -> bool:
    ip = _judged(ipaddress.ip_address(address.split("%", 1)[0]))
    return ip.is_global and not ip.is_multicast


def _addresses(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeAddress(_("The host name %(host)s does not resolve.") % {"host": host}) from exc
    return [str(info[4][0]) for info in infos]


def webhook_address(url: str) -> str:
    """Resolve the URL's host once and check every address it has: the address to connect
    to (the first), or `UnsafeAddress`. `notify.pinning` connects to exactly this address, so
    a name that resolves elsewhere a moment later (DNS rebinding) changes nothing."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeAddress(_("Enter an http:// or https:// address with a host name."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeAddress(_("The port of this address is not a number.")) from exc
    addresses = _addresses(parts.hostname, port)
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES and not all(map(address_is_public, addresses)):
        raise UnsafeAddress(
            _(
                "Webhooks may only be sent to public internet addresses; %(host)s is a private, "
                "loopback or reserved address. Ask the operator to allow private addresses if your "
                "receiver is on the same network as the portal."
            )
            % {"host": parts.hostname}
        )
    return addresses[0]


def webhook_url_check(url: str) -> None:
    """Raise `UnsafeAddress` unless `url` is http(s) and every address of its host is public."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeAddress(_("Enter an http:// or https:// address with a host name."))
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return
    webhook_address(url)
