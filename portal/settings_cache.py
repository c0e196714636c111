"""The cache aliases, read from the environment (imported by portal/settings.py).

- `default`: sessions (Django's `cached_db`), API throttles and the public pages, shared by
  every web process. Without `CACHE_URL`: files under var/cache (one machine); with
  `CACHE_URL=redis://...`: django-redis, whose calls give up after `CACHE_TIMEOUT_MS` and are
  then done without (`IGNORE_EXCEPTIONS`: an outage costs no request).
- `limits`: the same store, but its errors raise, so the limits on forms that mail or page
  people fail closed (`core/rate_limits.py`).
- `sla_fragments`: the SLA page's fragments (Django's `{% cache %}` tag,
  templates/sla/page.html), per process, keyed by the SLA's version (the regions' versions),
  language, zone and a region's date; they also expire like a public page, so a write that
  moves no version (a queryset `update()`) shows within `PUBLIC_PAGE_SECONDS` twice over.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import environ


def cache_settings(
    *,
    env: environ.Env,
    read_int: Callable[[str, int], int],
    fail: Callable[[str, str], None],
    testing: bool,
    in_environment: bool,
    var_dir: Path,
) -> dict[str, Any]:
    try:
        caches = {"default": env.cache_url("CACHE_URL", default=f"filecache://{var_dir / 'cache'}")}
    except Exception as exc:  # django-environ raises several kinds for a malformed URL
        fail("CACHE_URL", f"is not a cache URL ({exc})")
    if testing and not in_environment:
        caches = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    found: dict[str, Any] = {}
    if caches["default"]["BACKEND"].endswith("RedisCache"):
        redis = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": caches["default"]["LOCATION"]}
        options = dict.fromkeys(["SOCKET_CONNECT_TIMEOUT", "SOCKET_TIMEOUT"], read_int("CACHE_TIMEOUT_MS", 250) / 1000)
        caches = {
            "default": {**redis, "OPTIONS": {**options, "IGNORE_EXCEPTIONS": True}},
            "limits": {**redis, "OPTIONS": options},
        }
        found["DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS"] = True
    else:
        caches["limits"] = caches["default"]
    # A public page's rendering is kept this long at most, so an edit shows within it (core/public_cache.py).
    public_page_seconds = read_int("PUBLIC_PAGE_SECONDS", 30)
    caches["sla_fragments"] = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "sla-fragments",
        "TIMEOUT": public_page_seconds,
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
    return {**found, "CACHES": caches, "PUBLIC_PAGE_SECONDS": public_page_seconds}
