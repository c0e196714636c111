"""A database that is down or stalled: the API answers a JSON error with a code, a page the
503 page, both with Retry-After; connections and statements have timeouts."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from portal import views

pytestmark = [pytest.mark.faults, pytest.mark.django_db]


def _database_down(execute, sql, params, many, context):
    raise OperationalError("server closed the connection unexpectedly")


def test_an_api_call_answers_503_json_with_retry_after_when_the_database_fails(customer):
    client = APIClient(raise_request_exception=False)
    client.force_login(customer)
    with connection.execute_wrapper(_database_down):
        response = client.get(reverse("api:incidents:collection"))
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "unavailable"
    assert int(response["Retry-After"]) > 0


def test_a_page_answers_the_503_page_with_retry_after_when_the_database_fails(customer):
    client = Client(raise_request_exception=False)
    client.force_login(customer)
    with connection.execute_wrapper(_database_down):
        response = client.get(reverse("incidents:list"))
    assert response.status_code == 503
    assert b"briefly unavailable" in response.content
    assert int(response["Retry-After"]) > 0


def test_a_database_failure_before_the_view_is_a_503_too(customer):
    """The session is read from the database (the cache missed): the failure is in a
    middleware, outside DRF, and still answers JSON under /api/."""
    client = Client(raise_request_exception=False)
    client.force_login(customer)
    cache.clear()
    with connection.execute_wrapper(_database_down):
        api = client.get(reverse("api:incidents:collection"))
        page = client.get(reverse("incidents:list"))
    assert api.status_code == 503
    assert api.json()["code"] == "unavailable"
    assert page.status_code == 503
    assert "Retry-After" in api
    assert "Retry-After" in page


def test_other_errors_stay_500():
    client = Client(raise_request_exception=False)
    request = client.get("/").wsgi_request
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = views.error_500(request)
    assert response.status_code == 500
    assert "Retry-After" not in response


def test_database_connections_and_statements_have_timeouts():
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if connection.vendor != "postgresql":
        # SQLite: a locked database is waited for this long, then the query fails.
        assert options["timeout"] == 20
        return
    assert 0 < options["connect_timeout"] <= 10
    # A dead host or a cut network: the kernel gives up on what is not acknowledged.
    assert options["keepalives"] == 1
    assert options["tcp_user_timeout"] > 0
    milliseconds = int(options["options"].split("-c statement_timeout=")[1].split()[0])
    with connection.cursor() as cursor:
        cursor.execute("SELECT setting FROM pg_settings WHERE name = 'statement_timeout'")
        assert int(cursor.fetchone()[0]) == milliseconds > 0
        # A stalled statement is cut off (here after 0.2 s, for the test's sake).
        cursor.execute("SET LOCAL statement_timeout = 200")
        with pytest.raises(OperationalError, match="statement timeout"):
            cursor.execute("SELECT pg_sleep(5)")
