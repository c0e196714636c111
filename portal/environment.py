"""Reading one environment variable strictly: a malformed value stops start-up with one
line naming the variable (portal/settings.py)."""

from __future__ import annotations

import os
import re

from django.core.exceptions import ImproperlyConfigured


def fail(name: str, problem: str) -> None:
    """Stop start-up with one clear line naming the variable."""
    raise ImproperlyConfigured(f"Environment variable {name}: {problem}")


def read_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    fail(name, f"expected true or false, got {raw!r}")
    return default  # pragma: no cover


def read_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        fail(name, f"expected a whole number, got {raw!r}")
    return default  # pragma: no cover


def read_rate(name: str, default: str) -> str:
    value = os.environ.get(name) or default
    if not re.fullmatch(r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        fail(name, f"expected a rate such as 120/min or 5000/day, got {value!r}")
    return value
