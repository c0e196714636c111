"""Who is calling (tokens, session), and every error as JSON with a code, never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.api.services import api_token_create, api_token_revoke
from accounts.models import ApiToken
from core.errors import DomainError
from portal.api.exceptions import api_exception_handler

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


def bearer(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client


def test_a_token_authenticates_as_its_owner(customer, now):
    _, raw_key = api_token_create(user=customer, name="Helpdesk", now=now)
    response = bearer(raw_key).get(URL)
    assert response.status_code == 200


def test_the_token_is_stored_only_as_a_hash(customer, now):
    token, raw_key = api_token_create(user=customer, name="Helpdesk", now=now)
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw_key not in (stored.key_hash, stored.prefix, stored.name)
    assert len(stored.key_hash) == 64
    assert raw_key.startswith(stored.prefix)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer sp_not-a-real-key",
        "Bearer not-even-our-format",
        "Bearer",
        "Bearer two words",
        "Bearer sp_ünïcode",
    ],
)
def test_bad_tokens_are_a_401_json(api, customer, header):
    api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get(URL)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "authentication_failed"
    assert body["message"]
    assert body["fields"] == {}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_no_credentials_is_a_401_that_says_how_to_authenticate(api):
    response = api.get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_revoked_token_stops_working(customer, now):
    token, raw_key = api_token_create(user=customer, name="Helpdesk", now=now)
    api_token_revoke(token=token, by=customer, now=now)
    response = bearer(raw_key).get(URL)
    assert response.status_code == 401


def test_the_token_of_a_deactivated_user_stops_working(customer, now):
    _, raw_key = api_token_create(user=customer, name="Helpdesk", now=now)
    customer.is_active = False
    customer.save(update_fields=["is_active"])
    assert bearer(raw_key).get(URL).status_code == 401


def test_staff_tokens_work_the_same_way(engineer, customer, file_incident, now):
    incident = file_incident(customer)
    _, raw_key = api_token_create(user=engineer, name="Ops script", now=now)
    response = bearer(raw_key).get(f"{URL}{incident.number}/")
    assert response.status_code == 200


def test_last_used_is_written_at_most_once_a_minute(customer, now, django_assert_num_queries):
    token, raw_key = api_token_create(user=customer, name="Helpdesk", now=now)
    client = bearer(raw_key)
    with time_machine.travel(now, tick=False):
        client.get(URL)
    token.refresh_from_db()
    assert token.last_used_at == now
    with time_machine.travel(now + dt.timedelta(seconds=30), tick=False):
        client.get(URL)
    token.refresh_from_db()
    assert token.last_used_at == now
    with time_machine.travel(now + dt.timedelta(seconds=61), tick=False):
        client.get(URL)
    token.refresh_from_db()
    assert token.last_used_at == now + dt.timedelta(seconds=61)


def test_a_recently_used_token_costs_one_query_to_authenticate(customer, now, django_assert_num_queries):
    from django.test import RequestFactory

    from accounts.api.authentication import BearerTokenAuthentication

    _, raw_key = api_token_create(user=customer, name="Helpdesk", now=now)
    ApiToken.objects.update(last_used_at=dt.datetime.now(tz=dt.UTC))
    request = RequestFactory().get(URL, HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    with django_assert_num_queries(1):
        user, _token = BearerTokenAuthentication().authenticate(request)
    assert user == customer


def test_the_browser_session_works_and_needs_the_csrf_token_for_writes(customer, file_incident):
    incident = file_incident(customer)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(customer)
    assert client.get(f"{URL}{incident.number}/").status_code == 200
    response = client.post(f"{URL}{incident.number}/comments/", {"body": "hello"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "CSRF" in response.json()["message"]


# --- Bad input ------------------------------------------------------------------------


def test_malformed_json_is_a_400_parse_error(token_for, customer):
    response = token_for(customer).post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_an_oversized_json_body_is_a_413(token_for, customer):
    body = '{"title": "x", "description": "' + "x" * (1024 * 1024 + 10) + '"}'
    response = token_for(customer).post(URL, body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_an_oversized_upload_is_refused_before_it_is_read(token_for, customer, file_incident, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.ATTACHMENT_MAX_BYTES = 1024
    incident = file_incident(customer)
    upload = SimpleUploadedFile("big.txt", b"x" * (1024 * 1024 + 2048), content_type="text/plain")
    response = token_for(customer).post(f"{URL}{incident.number}/attachments/", {"file": upload}, format="multipart")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_an_unsupported_media_type_is_a_415(token_for, customer):
    response = token_for(customer).post(URL, "title=x", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_a_wrong_method_is_a_405_json(token_for, customer):
    response = token_for(customer).delete(URL)
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_another_organisations_number_is_a_404_that_names_it(token_for, outsider, customer, file_incident):
    incident = file_incident(customer)
    response = token_for(outsider).get(f"{URL}{incident.number}/")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found"
    assert incident.number in body["message"]


@pytest.mark.parametrize("path", ["/api/v1/nothing/", "/api/v2/incidents/", "/api/v1/incidents/a%00b/", "/api/"])
def test_unknown_api_paths_are_a_json_404(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_get_without_the_final_slash_is_redirected_with_its_query(api):
    response = api.get("/api/v1/sla/deadline?plan=premier&severity=A&region=japan")
    assert response.status_code == 308
    assert response["Location"] == "/api/v1/sla/deadline/?plan=premier&severity=A&region=japan"


# --- Throttling -----------------------------------------------------------------------


@pytest.fixture
def tight_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"ip": "5/min", "token": "2/min"},
    }


def test_a_token_over_its_rate_gets_a_clear_429(tight_rates, token_for, customer):
    client = token_for(customer)
    assert client.get(URL).status_code == 200
    assert client.get(URL).status_code == 200
    response = client.get(URL)
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled"
    assert "Try again in" in body["message"]
    assert int(response["Retry-After"]) > 0


def test_each_token_has_its_own_allowance(tight_rates, token_for, customer, colleague):
    first, second = token_for(customer), token_for(colleague)
    first.get(URL)
    first.get(URL)
    assert first.get(URL).status_code == 429
    assert second.get(URL).status_code == 200


def test_an_address_over_its_rate_gets_a_429_whoever_calls(tight_rates, api):
    statuses = [api.get("/api/v1/sla/targets/").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_a_forged_forwarded_for_header_does_not_dodge_the_address_limit(tight_rates, api):
    statuses = [api.get("/api/v1/sla/targets/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(6)]
    assert statuses == [200] * 5 + [429]


def test_a_malformed_throttle_rate_stops_start_up_naming_the_variable():
    import os
    import subprocess
    import sys

    env = {**os.environ, "API_THROTTLE_TOKEN_RATE": "lots", "DEBUG": "true"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='portal.settings'; django.setup()",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "API_THROTTLE_TOKEN_RATE" in result.stderr


def test_a_post_without_the_final_slash_says_where_to_post(token_for, customer):
    response = token_for(customer).post("/api/v1/incidents", {}, format="json")
    assert response.status_code == 404
    assert "/api/v1/incidents/" in response.json()["message"]


class _QuotaReached(DomainError):
    code = "quota_reached"
    status = 429
    field = "count"


def test_any_domain_error_is_answered_with_its_own_code_status_and_field():
    response = api_exception_handler(_QuotaReached("Too many for today."), {})
    assert response is not None
    assert response.status_code == 429
    assert response.data == {
        "code": "quota_reached",
        "message": "Too many for today.",
        "fields": {"count": ["Too many for today."]},
    }


def test_a_plain_domain_error_is_a_400_not_allowed():
    response = api_exception_handler(DomainError("Not like this."), {})
    assert response is not None
    assert (response.status_code, response.data["code"], response.data["fields"]) == (400, "not_allowed", {})
