"""A client-side deadline on PostgreSQL round trips: a database that stops answering costs a
request seconds, not the whole stall.

PostgreSQL enforces `statement_timeout` itself, so it helps only while the server runs. A
server that stopped answering without refusing (a frozen host or process, a proxy or network
path that holds packets) never sends the error, and psycopg waits on its socket for as long
as the stall lasts: every request, `/readyz` included, hangs with it.

Every cursor of a PostgreSQL connection is a `WatchedCursor`: each `execute` tells the
process's watchdog when its answer is due (the statement timeout plus a grace, or the connect
timeout for Django's `SELECT 1` health check). A daemon thread, one per process, shuts down
the socket of a round trip past its due time; psycopg then wakes with "server closed the
connection", Django raises `OperationalError`, the request answers 503 with `Retry-After`
(portal/views.py) and the broken connection is dropped. Connecting has its own limit
(`connect_timeout`, enforced by psycopg).

Server-side cursors (`QuerySet.iterator()` on PostgreSQL) fetch outside `execute` and are
not watched; no request path uses them.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

# How late, past the statement timeout, a live server's own error may still arrive.
GRACE_SECONDS = 2.0
# How often the watchdog looks: a stall is cut at most this much after its due time.
TICK_SECONDS = 0.25
# Django's own connection health check (`DatabaseWrapper.is_usable` runs this text with a
# psycopg cursor, past the ORM): compared against, never executed here, so that the check is
# held to the connect timeout rather than the statement timeout. There is no ORM name for it.
HEALTH_CHECK = "SELECT 1"


class Watchdog:
    """Round trips in flight in this process, each with the instant its answer is due."""

    def __init__(self) -> None:
        self._due: dict[int, tuple[float, int]] = {}  # ticket -> (due, socket's file descriptor)
        self._tickets = itertools.count()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def watch(self, fileno: int, seconds: float) -> int:
        self._ensure_running()
        ticket = next(self._tickets)
        self._due[ticket] = (time.monotonic() + seconds, fileno)
        return ticket

    def done(self, ticket: int) -> None:
        self._due.pop(ticket, None)

    def _ensure_running(self) -> None:
        # A thread does not survive fork (gunicorn's and Celery's workers): one per process.
        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._pid = os.getpid()
                self._due.clear()
                self._thread = threading.Thread(target=self._run, name="db-stall-watchdog", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(TICK_SECONDS)
            now = time.monotonic()
            for ticket, (due, fileno) in list(self._due.items()):
                if now >= due and self._due.pop(ticket, None) is not None:
                    cut(fileno)


def cut(fileno: int) -> None:
    """Shut the connection's socket down: the thread blocked on it wakes at once. The file
    descriptor stays psycopg's (the duplicate is closed, the original is not)."""
    logger.warning("database: no answer in time, closing the connection (the request answers 503)")
    try:
        sock = socket.socket(fileno=os.dup(fileno))
    except OSError:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.close()


watchdog = Watchdog()


def due_seconds(query: object) -> float:
    if query == HEALTH_CHECK:
        return float(settings.DATABASE_CONNECT_TIMEOUT_SECONDS)
    return settings.DATABASE_STATEMENT_TIMEOUT_SECONDS + GRACE_SECONDS


@contextmanager
def watching(cursor: Any, query: object) -> Iterator[None]:
    """The cursor's round trip for `query`, watched until it returns or raises."""
    ticket = watchdog.watch(cursor.connection.fileno(), due_seconds(query))
    try:
        yield
    finally:
        watchdog.done(ticket)


def watched(cursor_class: type) -> type:
    """`cursor_class` (Django's psycopg cursor) with each execute watched."""

    class WatchedCursor(cursor_class):
        def execute(self, query, *args, **kwargs):
            with watching(self, query):
                return super().execute(query, *args, **kwargs)

        def executemany(self, query, *args, **kwargs):
            with watching(self, query):
                return super().executemany(query, *args, **kwargs)

    WatchedCursor.__name__ = WatchedCursor.__qualname__ = f"Watched{cursor_class.__name__}"
    return WatchedCursor


_watched_classes: dict[type, type] = {}


def watch_connection(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: the new PostgreSQL connection's cursors are watched."""
    if connection.vendor != "postgresql":
        return
    raw = connection.connection
    factory = raw.cursor_factory
    if factory in _watched_classes.values():
        return
    if factory not in _watched_classes:
        _watched_classes[factory] = watched(factory)
    raw.cursor_factory = _watched_classes[factory]
