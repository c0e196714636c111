"""The address a person answers an incident's e-mail at, and the thread an incident is.

Every e-mail about an incident carries a `Reply-To` naming the incident and the person it
was sent to: `<local>+r-<incident id>-<user id>-<tag>@<domain>` of `INBOUND_EMAIL_ADDRESS`,
where the tag is an HMAC of the two ids under the site's secret. The tag is lower-case hex
because mail systems may change the case of a local part. A forged or altered address
parses to None; the inbound poller then answers with a bounce and adds nothing.

The thread: every e-mail about one incident names the incident's root Message-ID in
`References` (and `In-Reply-To`), so a mail client shows one incident as one thread.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.encoding import force_bytes

TAG_LENGTH = 20  # hex characters: 80 bits of the HMAC
_SALT = b"incidents.reply_addresses"
_PLUS = re.compile(rf"^r-(?P<incident>\d{{1,18}})-(?P<user>\d{{1,18}})-(?P<tag>[0-9a-f]{{{TAG_LENGTH}}})$")


@dataclass(frozen=True)
class ReplyTo:
    incident_id: int
    user_id: int


def _tag(incident_id: int, user_id: int) -> str:
    key = hashlib.sha256(_SALT + force_bytes(settings.SECRET_KEY)).digest()
    return hmac.new(key, f"{incident_id}.{user_id}".encode(), hashlib.sha256).hexdigest()[:TAG_LENGTH]


def _inbound() -> tuple[str, str] | None:
    address = getattr(settings, "INBOUND_EMAIL_ADDRESS", "")
    if not address or "@" not in address:
        return None
    local, domain = address.rsplit("@", 1)
    return local, domain


def reply_address(*, incident_id: int, user_id: int) -> str | None:
    """The address at which this person's answer lands on this incident, or None when the
    portal takes no e-mail in (`INBOUND_EMAIL_ADDRESS` unset)."""
    inbound = _inbound()
    if inbound is None:
        return None
    local, domain = inbound
    return f"{local}+r-{incident_id}-{user_id}-{_tag(incident_id, user_id)}@{domain}"


def reply_address_parse(address: str) -> ReplyTo | None:
    """The incident and person a reply address names, or None (not ours, altered, forged)."""
    inbound = _inbound()
    if inbound is None or "@" not in address:
        return None
    local, domain = address.strip().lower().rsplit("@", 1)
    base, _, plus = local.partition("+")
    if base != inbound[0].lower() or domain != inbound[1].lower():
        return None
    found = _PLUS.match(plus)
    if found is None:
        return None
    incident_id, user_id = int(found["incident"]), int(found["user"])
    if not hmac.compare_digest(found["tag"], _tag(incident_id, user_id)):
        return None
    return ReplyTo(incident_id=incident_id, user_id=user_id)


def incident_thread_id(incident_id: int) -> str:
    """The root Message-ID of the incident's thread (never sent itself: every message about
    the incident names it in `In-Reply-To` and `References`)."""
    domain = (_inbound() or ("", settings.SITE_URL.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]))[1]
    return f"<incident-{incident_id}@{domain or 'portal.invalid'}>"


def thread_headers(incident_id: int) -> dict[str, str]:
    """The threading headers of an e-mail about the incident."""
    root = incident_thread_id(incident_id)
    return {"In-Reply-To": root, "References": root}
