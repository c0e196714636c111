"""The API answers deeply nested JSON with a 400 JSON error, not a 500."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("depth", [40, 5_000, 100_000])
def test_deeply_nested_json_is_a_400_with_a_json_error(client, depth):
    body = "[" * depth + "]" * depth
    response = client.post("/api/v1/incidents/", body, content_type="application/json")
    # Unauthenticated requests may be refused before parsing; a signed-in one must parse.
    assert response.status_code in (400, 401, 403)
    assert response["Content-Type"].startswith("application/json")


def test_a_signed_in_client_gets_a_parse_error_for_nested_json(client, customer):
    client.force_login(customer)
    body = '{"title": ' + "[" * 5_000 + "]" * 5_000 + "}"
    response = client.post("/api/v1/incidents/", body, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "parse_error"
    assert "nested too deeply" in body["message"]
