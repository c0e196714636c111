"""The session engine (SESSION_ENGINE = "portal.sessions"): Django's `cached_db`, read from
the shared cache and written through to the database, that rides out a cache outage.

Every cache call goes through `core.cache_guard` (fail soft, logged once a minute): with the
cache down, sessions are read from and written to the database only. A write or sign-out the
cache missed during an outage could leave a stale entry there, so an entry lives at most
SESSION_CACHE_SECONDS; after that the database is read again (docs/OPERATIONS.md).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore

from core.cache_guard import cache_call_or


class SessionStore(CachedDBStore):
    def _cache_age(self, **kwargs) -> int:
        return min(self.get_expiry_age(**kwargs), settings.SESSION_CACHE_SECONDS)

    def load(self) -> dict:
        data = cache_call_or(None, self._cache.get, self.cache_key)
        if data is None:
            stored = self._get_session_from_db()
            if stored is None:
                return {}
            data = self.decode(stored.session_data)
            cache_call_or(None, self._cache.set, self.cache_key, data, self._cache_age(expiry=stored.expire_date))
        return data

    def exists(self, session_key: str | None) -> bool:
        if session_key and cache_call_or(False, self._cache.has_key, self.cache_key_prefix + session_key):
            return True
        return DBStore.exists(self, session_key)

    def save(self, must_create: bool = False) -> None:
        DBStore.save(self, must_create)
        cache_call_or(None, self._cache.set, self.cache_key, self._session, self._cache_age())

    def delete(self, session_key: str | None = None) -> None:
        DBStore.delete(self, session_key)
        session_key = session_key or self.session_key
        if session_key is not None:
            cache_call_or(None, self._cache.delete, self.cache_key_prefix + session_key)
