"""core.cache_guard: a failed cache call pauses the cache for a while and is logged once."""

from __future__ import annotations

import logging

import pytest

from core.cache_guard import CacheUnavailable, cache_call, cache_call_or, cache_guard_reset


@pytest.fixture(autouse=True)
def _fresh_guard(settings):
    settings.CACHE_RETRY_SECONDS = 60
    cache_guard_reset()
    yield
    cache_guard_reset()


def test_a_failed_call_answers_the_default_and_the_cache_is_left_alone_then(caplog):
    calls = []

    def down(*args):
        calls.append(args)
        raise ConnectionError("Connection refused")

    with caplog.at_level(logging.WARNING, logger="core.cache_guard"):
        assert cache_call_or("default", down, "key") == "default"
        assert cache_call_or(None, down, "key") is None
        with pytest.raises(CacheUnavailable):
            cache_call(down, "key")
    assert calls == [("key",)]  # the second and third calls did not wait for a timeout
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert "cache unavailable (ConnectionError: Connection refused)" in warnings[0]


def test_the_cache_is_tried_again_after_the_pause_and_its_return_is_logged(settings, caplog):
    settings.CACHE_RETRY_SECONDS = 0
    cache_call_or(None, lambda: 1 / 0)
    with caplog.at_level(logging.WARNING, logger="core.cache_guard"):
        assert cache_call_or(None, lambda: "value") == "value"
    assert "cache is back after 1 call(s) done without it" in caplog.text
