"""Reads on personal API tokens."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q, QuerySet
from django.http import Http404

from accounts.api.services import KEY_PREFIX, api_key_hash
from accounts.models import ApiToken


def api_token_for_key(raw_key: str, *, now: dt.datetime) -> ApiToken | None:
    """The active, unexpired token with this raw key and an active user, or None."""
    if not raw_key.startswith(KEY_PREFIX) or len(raw_key) > 200:
        return None
    return (
        ApiToken.objects.select_related("user", "user__membership", "user__staff_profile")
        .filter(key_hash=api_key_hash(raw_key), revoked_at__isnull=True, user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )


def api_tokens_of(user) -> QuerySet[ApiToken]:
    """A person's tokens, active first, newest first (revoked ones too, so they can see what was revoked)."""
    return ApiToken.objects.filter(user=user).order_by(F("revoked_at").desc(nulls_first=True), "-created_at", "-pk")


def api_token_get_for_user(*, user, pk: int) -> ApiToken:
    token = api_tokens_of(user).filter(pk=pk).first()
    if token is None:
        raise Http404("No such token")
    return token
