"""Django's PostgreSQL backend (ENGINE "portal.postgresql") with a deadline on every wait
for PostgreSQL's answer: a server that stopped answering costs a
request seconds, not the whole stall.

Settings cover the rest (portal/settings.py): `connect_timeout` bounds a (re)connection,
PostgreSQL's `statement_timeout` a statement on a live server, libpq's `keepalives*` and
`tcp_user_timeout` a dead host or a cut network (the kernel gives up on unacknowledged data).
None of them covers a server process that is frozen (SIGSTOP, a hung VM, a proxy that holds
packets) with its sockets open: its kernel still acknowledges every packet, so TCP sees
nothing wrong and psycopg waits as long as the stall lasts (tests/faults/test_database_stall.py
shows it, docs/OPERATIONS.md). So each connection waits through psycopg's own `wait`, with a
timeout: the statement timeout plus a grace for a statement, COMMIT and ROLLBACK, the connect
timeout for Django's health check. Past it the connection is closed, Django raises
`OperationalError` and the request answers 503 with `Retry-After` (portal/views.py).

psycopg has no setting for that timeout and Django no setting for the connection class, so
each new connection is made a `DeadlineConnection` (psycopg's class, with `wait` bounded)
before Django's first statement on it.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base
from psycopg import errors

logger = logging.getLogger(__name__)

# How late, past the statement timeout, a live server's own error may still arrive.
GRACE_SECONDS = 2.0


class DeadlineConnection(psycopg.Connection):
    deadline: float | None = None  # seconds; None: the statement timeout plus the grace

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        if timeout is None:
            timeout = self.deadline or settings.DATABASE_STATEMENT_TIMEOUT_SECONDS + GRACE_SECONDS
        try:
            return super().wait(gen, interval, timeout)
        except errors._WaitTimeout:  # psycopg's own "no answer within timeout"
            logger.warning("database: no answer within %s s, closing the connection (503)", timeout)
            self.pgconn.finish()  # its state is unknown: never reused
            raise psycopg.OperationalError(f"the database did not answer within {timeout} s") from None


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        connection.__class__ = DeadlineConnection
        return connection

    def is_usable(self) -> bool:
        """Django's health check of a reused connection, held to the connect timeout (as the
        new connection that replaces a failed one is)."""
        self.connection.deadline = float(settings.DATABASE_CONNECT_TIMEOUT_SECONDS)
        try:
            return super().is_usable()
        finally:
            self.connection.deadline = None
