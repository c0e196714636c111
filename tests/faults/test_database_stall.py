"""A PostgreSQL server that stops answering (not refusing) costs a request seconds.

The test's connection goes through a proxy that can stop forwarding (stall_proxy.py): as for
a SIGSTOPped server, the kernel still accepts and acknowledges, so libpq's keepalives and
`tcp_user_timeout` see nothing wrong. The timeouts are cut to a second for the test's sake.
The bound (docs/OPERATIONS.md): a reused connection's health check and a reconnect each give
up after the connect timeout; a statement, COMMIT or ROLLBACK in flight after the statement
timeout plus 2 s (portal/postgresql/base.py); the page, `/readyz` and the API answer 503 with
`Retry-After`, a cached public page answers without the database, and the first request
after the stall is served again. PostgreSQL only (tests/faults/conftest.py): SQLite has no
server to stall, a locked file is waited for `timeout` seconds.
"""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError, close_old_connections, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.api.services import api_token_create
from tests.faults.stall_proxy import StallingProxy

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

TIMEOUT = 1  # seconds: connect timeout and statement timeout, for the test
CONNECT = max(TIMEOUT, 2)  # psycopg, like libpq, gives a connection at least 2 s
SLACK = 1.5  # a busy machine
STATEMENT = TIMEOUT + 2  # portal.postgresql.base.GRACE_SECONDS


@pytest.fixture
def stalling_database(settings):
    """The default connection, through a proxy the test can stall."""
    assert connection.vendor == "postgresql"
    saved = {key: connection.settings_dict[key] for key in ("HOST", "PORT", "OPTIONS")}
    proxy = StallingProxy((saved["HOST"] or "127.0.0.1", int(saved["PORT"] or 5432)))
    connection.close()
    connection.settings_dict.update(
        HOST="127.0.0.1", PORT=str(proxy.port), OPTIONS={**saved["OPTIONS"], "connect_timeout": TIMEOUT}
    )
    settings.DATABASE_CONNECT_TIMEOUT_SECONDS = TIMEOUT
    settings.DATABASE_STATEMENT_TIMEOUT_SECONDS = TIMEOUT
    yield proxy
    proxy.resume()
    connection.close()
    connection.settings_dict.update(saved)
    proxy.close()


class ProductionClient(Client):
    """Django's test client keeps one connection for the whole test (it skips
    `close_old_connections` at a request's start and end); a server drops a failed one there."""

    def request(self, **request):
        close_old_connections()
        try:
            return super().request(**request)
        finally:
            close_old_connections()


def timed(call):
    began = time.monotonic()
    result = call()
    return result, time.monotonic() - began


def test_a_stalled_database_answers_503_within_seconds_and_the_next_request_after_it_is_served(
    stalling_database, customer
):
    client = ProductionClient(raise_request_exception=False)
    client.force_login(customer)
    assert client.get("/incidents/").status_code == 200  # a connection is open, and reused
    stalling_database.stall()
    # The reused connection's health check gives up after the connect timeout, and so does
    # the reconnect: two limits, not the stall.
    page, seconds = timed(lambda: client.get("/incidents/"))
    assert page.status_code == 503
    assert page["Retry-After"]
    assert seconds <= TIMEOUT + CONNECT + SLACK, seconds
    ready, seconds = timed(lambda: client.get("/readyz"))
    assert ready.status_code == 503
    assert seconds <= TIMEOUT + CONNECT + SLACK, seconds
    stalling_database.resume()
    assert client.get("/incidents/").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_the_api_answers_a_json_503_while_the_database_stalls(stalling_database, customer):
    _, raw_key = api_token_create(user=customer, name="Integration", now=timezone.now())
    client = ProductionClient(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert client.get("/api/v1/incidents/").status_code == 200
    stalling_database.stall()
    answer, seconds = timed(lambda: client.get("/api/v1/incidents/"))
    assert answer.status_code == 503
    assert answer["Retry-After"]
    assert answer.json()["code"] == "unavailable"
    assert seconds <= TIMEOUT + CONNECT + SLACK, seconds


def test_a_statement_in_flight_when_the_database_stalls_is_cut_off_after_the_statement_timeout(
    stalling_database,
):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM incidents_incident")
        stalling_database.stall()
        began = time.monotonic()
        with pytest.raises(OperationalError):
            cursor.execute("SELECT count(*) FROM incidents_incident")
    seconds = time.monotonic() - began
    # The server's own statement timeout would have answered by then, had it been running.
    assert TIMEOUT <= seconds <= STATEMENT + SLACK, seconds
    stalling_database.resume()
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM incidents_incident")
        assert cursor.fetchone()[0] == 0


def test_a_commit_when_the_database_stalls_gives_up_after_the_statement_timeout(stalling_database):
    began = []

    def a_transaction_that_commits_into_the_stall() -> None:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM incidents_incident")
            stalling_database.stall()
            began.append(time.monotonic())

    with pytest.raises(OperationalError):
        a_transaction_that_commits_into_the_stall()
    seconds = time.monotonic() - began[0]
    # The COMMIT, then Django's reconnect to restore autocommit (which gives up in turn).
    assert seconds <= STATEMENT + CONNECT + SLACK, seconds
    stalling_database.resume()
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def test_a_reconnect_to_a_stalled_database_gives_up_after_the_connect_timeout(stalling_database):
    connection.close()
    stalling_database.stall()
    began = time.monotonic()
    with pytest.raises(OperationalError):
        connection.ensure_connection()
    seconds = time.monotonic() - began
    assert seconds <= CONNECT + SLACK, seconds


def test_a_cached_public_page_answers_while_the_database_stalls(stalling_database, sla):
    visitor = ProductionClient(raise_request_exception=False)
    url = reverse("kb:index")
    assert visitor.get(url).status_code == 200  # rendered and kept
    stalling_database.stall()
    page, seconds = timed(lambda: visitor.get(url))
    assert page.status_code == 200
    assert seconds <= SLACK, seconds  # no database round trip at all
