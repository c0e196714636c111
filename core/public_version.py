"""The public pages' content version: one value in the shared cache that every write to
the data behind a public page replaces (core/public_cache.py keys each cached rendering by
it), and the release id (what renders the pages, the same in every process of a deploy).

Each app's `ready()` names the models its public pages show (`public_models_watch`); a
queryset `update()` or `bulk_create()`, and a data migration (`post_migrate`), call
`public_version_bump` themselves.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from core.cache_guard import cache_call_or

VERSION_KEY = "public-content-version"


def _release_files() -> Iterable[Path]:
    base = Path(settings.BASE_DIR)
    for folder in ("templates", "static", "locale"):
        yield from sorted((base / folder).rglob("*"))


def _compute_release_id() -> str:
    """A fingerprint of what renders the pages: the same in every process of one deploy."""
    digest = hashlib.sha256()
    for path in _release_files():
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


_release_id: str | None = None


def release_id() -> str:
    global _release_id
    if _release_id is None:
        _release_id = _compute_release_id()
    return _release_id


def version_read() -> tuple[str, float]:
    entry = cache.get(VERSION_KEY)
    if entry is None:
        entry = (uuid.uuid4().hex, time.time())
        if not cache.add(VERSION_KEY, entry, timeout=None):
            entry = cache.get(VERSION_KEY) or entry
    return entry[0], entry[1]


def _version_replace() -> None:
    cache_call_or(None, cache.set, VERSION_KEY, (uuid.uuid4().hex, time.time()), timeout=None)


def public_version_bump(*args: Any, **kwargs: Any) -> None:
    """The data behind the public pages changed: every cached page is obsolete from now on.
    Usable as a signal receiver. Replaced now and again when the writing transaction
    commits: a page another request renders meanwhile (from the data before the commit) is
    stored under the first new version, which the commit makes obsolete in turn. A cache
    that cannot be reached has no pages to make obsolete, and a version it lost is
    replaced by a new one."""
    _version_replace()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_version_replace)


def public_models_watch(*models: type) -> None:
    """Every save, delete and many-to-many change of these models bumps the public content
    version (called by each app's `ready()` for the models its public pages show; a
    queryset `update()` or `bulk_create()` calls `public_version_bump` itself)."""
    for model in models:
        uid = f"public-pages:{model._meta.label}"
        post_save.connect(public_version_bump, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(public_version_bump, sender=model, dispatch_uid=f"{uid}:delete")
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(public_version_bump, sender=through, dispatch_uid=f"{uid}:{field.name}")
