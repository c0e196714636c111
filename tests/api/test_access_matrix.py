"""The portal's access matrix, repeated for the API.

An incident filed by `customer` (the owner). Colleagues who are plain submitters see only
their own and shared incidents, the organisation's admin and viewers see all of it, the
viewer only reads, outsiders get 404 (never 403: a number must not leak that it exists),
anonymous callers 401, support staff see everything.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.models import IncidentStatus
from incidents.services import incident_transition

pytestmark = pytest.mark.django_db

PERSONAS = ["owner", "customer_admin", "colleague", "viewer", "outsider", "anonymous", "engineer"]

READ = {
    "owner": 200,
    "customer_admin": 200,
    "colleague": 404,
    "viewer": 200,
    "outsider": 404,
    "anonymous": 401,
    "engineer": 200,
}
WRITE = {
    "owner": 201,
    "customer_admin": 201,
    "colleague": 404,
    "viewer": 403,
    "outsider": 404,
    "anonymous": 401,
    "engineer": 201,
}
CONFIRM = {
    "owner": 200,
    "customer_admin": 200,
    "colleague": 404,
    "viewer": 403,
    "outsider": 404,
    "anonymous": 401,
    "engineer": 403,
}
ESCALATE = {
    "owner": 201,
    "customer_admin": 201,
    "colleague": 404,
    "viewer": 403,
    "outsider": 404,
    "anonymous": 401,
    "engineer": 403,
}
LISTED = {
    "owner": True,
    "customer_admin": True,
    "colleague": False,
    "viewer": True,
    "outsider": False,
    "engineer": True,
}
CREATE = {
    "owner": 201,
    "customer_admin": 201,
    "colleague": 201,
    "viewer": 403,
    "outsider": 201,
    "anonymous": 401,
    "engineer": 403,
}


@pytest.fixture
def incident(customer, file_incident):
    return file_incident(customer)


@pytest.fixture
def client_for(request, api, token_for, customer):
    def make(persona: str):
        if persona == "anonymous":
            return api
        user = customer if persona == "owner" else request.getfixturevalue(persona)
        return token_for(user)

    return make


def _check(response, expected: int) -> None:
    assert response.status_code == expected, response.content
    if expected >= 400:
        body = response.json()
        assert set(body) == {"code", "message", "fields"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_retrieve(client_for, incident, persona):
    _check(client_for(persona).get(f"/api/v1/incidents/{incident.number}/"), READ[persona])


@pytest.mark.parametrize("persona", PERSONAS)
def test_download(client_for, incident, persona):
    from incidents.services import comment_add

    attachment = comment_add(
        incident=incident,
        author=incident.submitted_by,
        body="Log",
        files=[SimpleUploadedFile("log.txt", b"trace")],
        now=incident.submitted_at,
    ).attachments.get()
    response = client_for(persona).get(f"/api/v1/incidents/{incident.number}/attachments/{attachment.pk}/")
    _check(response, READ[persona])
    if READ[persona] == 200:
        assert b"".join(response.streaming_content) == b"trace"


@pytest.mark.parametrize("persona", PERSONAS)
def test_list_comments(client_for, incident, persona):
    _check(client_for(persona).get(f"/api/v1/incidents/{incident.number}/comments/"), READ[persona])


@pytest.mark.parametrize("persona", PERSONAS)
def test_reply(client_for, incident, persona):
    response = client_for(persona).post(
        f"/api/v1/incidents/{incident.number}/comments/", {"body": "Any news?"}, format="json"
    )
    _check(response, WRITE[persona])
    assert incident.comments.exists() == (WRITE[persona] == 201)


@pytest.mark.parametrize("persona", PERSONAS)
def test_attach(client_for, incident, persona):
    upload = SimpleUploadedFile("log.txt", b"trace", content_type="text/plain")
    response = client_for(persona).post(
        f"/api/v1/incidents/{incident.number}/attachments/", {"file": upload}, format="multipart"
    )
    _check(response, WRITE[persona])
    assert incident.attachments.exists() == (WRITE[persona] == 201)


@pytest.mark.parametrize("persona", PERSONAS)
def test_confirm_resolution(client_for, incident, engineer, now, persona):
    incident_transition(incident=incident, to_status=IncidentStatus.RESOLVED, by=engineer, now=now)
    response = client_for(persona).post(f"/api/v1/incidents/{incident.number}/confirm-resolution/")
    _check(response, CONFIRM[persona])
    incident.refresh_from_db()
    assert (incident.status == IncidentStatus.CLOSED) == (CONFIRM[persona] == 200)


@pytest.mark.parametrize("persona", PERSONAS)
def test_request_escalation(client_for, incident, persona):
    response = client_for(persona).post(
        f"/api/v1/incidents/{incident.number}/escalation/",
        {"criterion": "impact_grew", "description": "Production is down"},
        format="json",
    )
    _check(response, ESCALATE[persona])
    assert incident.escalation_requests.exists() == (ESCALATE[persona] == 201)


@pytest.mark.parametrize("persona", PERSONAS)
def test_list(client_for, incident, persona):
    response = client_for(persona).get("/api/v1/incidents/")
    if persona == "anonymous":
        _check(response, 401)
        return
    _check(response, 200)
    numbers = [item["number"] for item in response.json()["results"]]
    assert (incident.number in numbers) == LISTED[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_create(client_for, persona):
    payload = {"title": "Bins", "description": "Blank bin codes", "severity": "C", "product_text": "AW 24.3"}
    _check(client_for(persona).post("/api/v1/incidents/", payload, format="json"), CREATE[persona])


def test_an_incident_shared_with_a_colleague_is_theirs_to_read_and_write(client_for, incident, colleague):
    incident.shared_with.add(colleague)
    client = client_for("colleague")
    _check(client.get(f"/api/v1/incidents/{incident.number}/"), 200)
    _check(client.post(f"/api/v1/incidents/{incident.number}/comments/", {"body": "Me too"}, format="json"), 201)


def test_a_deactivated_membership_sees_nothing(client_for, incident, customer):
    customer.membership.is_active = False
    customer.membership.save(update_fields=["is_active"])
    client = client_for("owner")
    _check(client.get(f"/api/v1/incidents/{incident.number}/"), 404)
    assert client.get("/api/v1/incidents/").json()["count"] == 0
