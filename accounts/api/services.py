"""Writes on personal API tokens: create (the key is shown once) and revoke."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from accounts.models import ApiToken

KEY_PREFIX = "sp_"
PREFIX_LENGTH = 11  # "sp_" and 8 random characters: enough to recognise a token in a list
MAX_ACTIVE_TOKENS = 20


class ApiTokenError(Exception):
    """A token request that the rules do not allow; the message is for the user."""


def api_key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def api_token_create(
    *, user: AbstractBaseUser, name: str, now: dt.datetime, valid_days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a token for `user` and return it with its raw key, which is stored only hashed.
    With `valid_days` it stops working that many days from now."""
    name = name.strip()
    if not name:
        raise ApiTokenError(_("Give the token a name, e.g. the system that will use it."))
    if len(name) > 100:
        raise ApiTokenError(_("A token name may be at most 100 characters."))
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise ApiTokenError(
            _("You already have %(count)d active tokens; revoke one you no longer use first.") % {"count": active}
        )
    raw_key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw_key[:PREFIX_LENGTH],
        key_hash=api_key_hash(raw_key),
        created_at=now,
        expires_at=now + dt.timedelta(days=valid_days) if valid_days else None,
    )
    return token, raw_key


def api_token_revoke(*, token: ApiToken, by: AbstractBaseUser, now: dt.datetime) -> ApiToken:
    """Revoke the token now. Only its owner (or support staff) may; revoking twice keeps the first time."""
    if token.user_id != by.pk and not getattr(by, "is_staff", False):
        raise ApiTokenError(_("You can only revoke your own tokens."))
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    if updated:
        token.revoked_at = now
    else:
        token.refresh_from_db(fields=["revoked_at"])
    return token


def api_tokens_revoke_all(*, user_id: int, now: dt.datetime) -> int:
    """Revoke every active token of a person (their password changed: whoever had it may
    have made tokens too)."""
    return ApiToken.objects.filter(user_id=user_id, revoked_at__isnull=True).update(revoked_at=now)


def api_token_touch(*, token: ApiToken, now: dt.datetime, every: dt.timedelta = dt.timedelta(minutes=1)) -> None:
    """Record that the token was used, at most once per `every` (one conditional UPDATE)."""
    if token.last_used_at is not None and now - token.last_used_at < every:
        return
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).exclude(last_used_at__gt=now - every).update(
        last_used_at=now
    )
    token.last_used_at = now
