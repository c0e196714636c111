"""Property-based run of schemathesis over the whole OpenAPI schema, in-process (WSGI).

Generated requests, valid and invalid, from a customer with a personal token: no answer
may be a server error, use a status the schema does not list, or break the response schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.api.services import api_token_create

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 10  # per operation and mode: the whole run stays well under a minute


@pytest.fixture
def wsgi_in_test_transaction():
    """Let WSGI requests run inside the test's transaction (the test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def roomy(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"ip": "100000/min", "token": "100000/min"},
    }


def test_no_generated_request_breaks_the_schema_or_the_server(
    wsgi_in_test_transaction, roomy, customer, file_incident, now
):
    from portal.wsgi import application

    incident = file_incident(customer)
    _, raw_key = api_token_create(user=customer, name="schemathesis", now=now)
    auth = {"Authorization": f"Bearer {raw_key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9

    ran: list[str] = []
    for operation in operations:
        fixed = [{}]
        if "{number}" in operation.path:
            fixed.append({"number": incident.number})
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for path_parameters in fixed:
                strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters or None)

                @hypothesis_settings(
                    max_examples=EXAMPLES,
                    deadline=None,
                    database=None,
                    derandomize=True,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=strategy)
                def run(case) -> None:
                    response = case.call(headers=auth)
                    case.validate_response(response, checks=CHECKS, headers=auth)

                try:
                    run()
                except Unsatisfiable:
                    # Nothing in this operation can be made invalid (e.g. no parameters, no body).
                    assert mode == GenerationMode.NEGATIVE, operation.label
                    continue
                except Exception as exc:
                    exc.add_note(f"{operation.label} ({mode.value}, path {path_parameters})")
                    raise
                ran.append(f"{operation.label} {mode.value}")
    assert len(ran) >= len(operations) + 5, ran
