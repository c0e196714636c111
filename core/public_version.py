"""The public pages' content version, and the release id (what renders the pages, the same
in every process of a deploy), both part of what a cached public page is valid under
(core/public_cache.py).

The version is an optimisation: a value in the shared cache that a write to the data behind a
public page replaces, so that the change shows on the next request rather than within
PUBLIC_PAGE_SECONDS. A writer that forgets it (a queryset `update()`), an evicted or
unreachable version, cost at most that bound. Each app's `ready()` names the models its
public pages show (`public_models_watch`); `post_migrate` bumps it too.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

VERSION_KEY = "public-content-version"
VERSION_SECONDS = 24 * 3600  # every entry expires; a new version costs each page one render


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


def version_read() -> str:
    """The current version (a new one if the cache lost it, or a stand-in while it is down)."""
    version = uuid.uuid4().hex
    if not cache.add(VERSION_KEY, version, timeout=VERSION_SECONDS):
        version = cache.get(VERSION_KEY) or version
    return version


def _version_replace() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=VERSION_SECONDS)


def public_version_bump(*args: Any, **kwargs: Any) -> None:
    """The data behind the public pages changed: every cached page is obsolete from now on.
    Usable as a signal receiver. Replaced now and again when the writing transaction
    commits: a page rendered meanwhile (from the data before the commit) is stored under the
    first new version, which the commit makes obsolete in turn."""
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
