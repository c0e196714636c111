"""Turning optional e-mails off: the per-person opt-outs and the one-click unsubscribe link.

Every optional e-mail carries `List-Unsubscribe: <SITE_URL/accounts/unsubscribe/<token>/>`
and `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058). The token is signed
with `django.core.signing` and names the person and the kind; it does not expire (an old
e-mail's link must still work) and only turns a kind off, so it needs no sign-in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.urls import reverse

from accounts.models import EmailKind, EmailOptOut

SALT = "accounts.unsubscribe"
# The kinds a customer contact receives (engineers receive the others).
CUSTOMER_KINDS = (EmailKind.REPLY, EmailKind.STATUS, EmailKind.ESCALATION)


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=SALT, compress=True)


def unsubscribe_token_parse(token: str) -> tuple[int, str] | None:
    """The (user id, kind) a token names, or None when it was altered or is not ours."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or data.get("k") not in EmailKind.values:
        return None
    return data["u"], data["k"]


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    """The link that turns `kind` off for this person (from `SITE_URL`, never a request's host)."""
    return settings.SITE_URL + reverse("unsubscribe", args=[unsubscribe_token(user_id=user_id, kind=kind)])


def unsubscribe_headers(url: str) -> dict[str, str]:
    """The RFC 8058 headers of an optional e-mail carrying `url`."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def email_opted_out(*, user_ids: Iterable[int], kind: str) -> set[int]:
    """Of these people, who turned `kind` off (one query; uses the unique (user, kind) index)."""
    ids = [pk for pk in user_ids if pk is not None]
    if not ids:
        return set()
    return set(EmailOptOut.objects.filter(user_id__in=ids, kind=kind).values_list("user_id", flat=True))


def email_kinds_off(*, user_id: int) -> set[str]:
    return set(EmailOptOut.objects.filter(user_id=user_id).values_list("kind", flat=True))


def email_opt_out(*, user_id: int, kind: str, now: dt.datetime) -> None:
    """Turn `kind` off for this person (again is a no-op)."""
    EmailOptOut.objects.get_or_create(user_id=user_id, kind=kind, defaults={"created_at": now})


def email_kinds_set_off(*, user_id: int, kinds: Iterable[str], among: Iterable[str], now: dt.datetime) -> None:
    """The account page: of the kinds `among`, exactly `kinds` are off, the others on."""
    among = set(among) & set(EmailKind.values)
    off = set(kinds) & among
    EmailOptOut.objects.filter(user_id=user_id, kind__in=among - off).delete()
    for kind in off:
        email_opt_out(user_id=user_id, kind=kind, now=now)
