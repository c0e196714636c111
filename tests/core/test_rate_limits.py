"""core.rate_limits: fixed windows counted atomically in the shared cache, closed while the
cache is down."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache

from core import rate_limits
from core.rate_limits import CacheUnavailable, RateLimit, client_and_email_limits, email_ident, minutes_to_wait

HOUR = 3600
START = 1_800_000_000 // HOUR * HOUR  # the start of a window


@pytest.fixture(autouse=True)
def _fresh():
    cache.clear()
    yield
    cache.clear()


def test_a_rate_is_read_as_the_settings_give_it():
    assert RateLimit.parse("s", "i", "5/hour") == RateLimit("s", "i", 5, HOUR)
    assert RateLimit.parse("s", "i", "3/m").seconds == 60
    assert RateLimit.parse("s", "i", "100/day").seconds == 86400
    for wrong in ("five/hour", "5/fortnight", "5"):
        with pytest.raises(ValueError, match="is not a rate like '5/hour'"):
            RateLimit.parse("s", "i", wrong)


def test_a_limit_allows_its_count_then_says_how_long_until_its_window_ends():
    limit = [RateLimit("reset-email", "x", 3, HOUR)]
    assert [minutes_to_wait(limit, now=START + 60 * i) for i in range(3)] == [None, None, None]
    assert minutes_to_wait(limit, now=START + 20 * 60) == 40
    assert minutes_to_wait(limit, now=START + HOUR - 10) == 1  # never "0 minutes"
    assert minutes_to_wait(limit, now=START + HOUR) is None  # a new window


def test_each_scope_and_ident_counts_on_its_own_and_the_strictest_refusal_is_reported():
    client = RateLimit("form-client", "203.0.113.7", 1, 60)
    email = RateLimit("form-email", email_ident("Mia@Example.com "), 1, HOUR)
    assert minutes_to_wait([client, email], now=START) is None
    other_email = RateLimit("form-email", email_ident("someone@example.com"), 1, HOUR)
    assert minutes_to_wait([client, other_email], now=START + 1) == 1  # the client's minute
    assert email_ident("mia@example.com") == email.ident  # one address, however it is typed
    assert minutes_to_wait([RateLimit("form-client", "198.51.100.1", 1, 60), email], now=START + 2) == 60


def test_concurrent_requests_cannot_slip_past_the_count():
    limit = [RateLimit("burst", "x", 5, HOUR)]
    allowed: list[bool] = []
    barrier = threading.Barrier(20)

    def ask() -> None:
        barrier.wait()
        allowed.append(minutes_to_wait(limit, now=START) is None)

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 5


def test_an_unknown_client_address_counts_against_the_email_address_only():
    limits = client_and_email_limits(
        scope="reset", client=None, email="a@example.com", client_rate="1/h", email_rate="2/h"
    )
    assert [limit.scope for limit in limits] == ["reset-email"]
    both = client_and_email_limits(
        scope="reset", client="203.0.113.7", email="a@example.com", client_rate="1/h", email_rate="2/h"
    )
    assert [(limit.scope, limit.count) for limit in both] == [("reset-email", 2), ("reset-client", 1)]


def test_the_limits_fail_closed_while_the_cache_is_down(monkeypatch):
    class Down:
        def add(self, *args, **kwargs):
            raise ConnectionError("Connection refused")

    monkeypatch.setattr(rate_limits, "caches", {"limits": Down()})
    with pytest.raises(CacheUnavailable):
        minutes_to_wait([RateLimit("reset-email", "x", 3, HOUR)], now=START)
