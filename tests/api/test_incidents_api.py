"""/api/v1/incidents/: list, create, retrieve, reply, attach, confirm — with the portal's rules."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.models import Comment, Incident, IncidentStatus, Visibility
from incidents.services import comment_add, incident_transition
from sla import deadlines as sla_engine

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


def valid_payload(**overrides) -> dict:
    payload = {
        "title": "Warehouse shipments cannot be posted",
        "description": "Posting fails with error 'Bin code must have a value'.",
        "severity": "B",
        "product_text": "Advanced Warehousing 24.3 on Business Central 2024 wave 2",
    }
    payload.update(overrides)
    return payload


# --- List -----------------------------------------------------------------------------


def test_list_shows_the_callers_incidents_newest_first_with_pagination(token_for, customer, file_incident):
    for n in range(3):
        file_incident(customer, title=f"Incident {n}")
    response = token_for(customer).get(URL, {"page_size": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"].endswith("page=2&page_size=2")
    first = body["results"][0]
    assert set(first) >= {"number", "status", "severity", "response_due_at", "first_response_at", "title"}
    assert first["severity"] == "B"


def test_list_filters_by_status_severity_open_and_search(token_for, customer, engineer, file_incident, now):
    critical = file_incident(customer, severity="A", title="Posting stopped", contact_phone="+1 312 555 0100")
    closed = file_incident(customer, severity="C", title="Question about put-away")
    incident_transition(incident=closed, to_status=IncidentStatus.CLOSED, by=engineer, now=now)
    client = token_for(customer)

    def numbers(**params) -> set[str]:
        response = client.get(URL, params)
        assert response.status_code == 200, response.json()
        return {item["number"] for item in response.json()["results"]}

    assert numbers(severity="A") == {critical.number}
    assert numbers(status="closed") == {closed.number}
    assert numbers(open="true") == {critical.number}
    assert numbers(open="false") == {closed.number}
    assert numbers(search="put-away") == {closed.number}
    assert numbers(search=critical.number) == {critical.number}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"severity": "Z"}, "severity"),
        ({"status": "sleeping"}, "status"),
        ({"open": "perhaps"}, "open"),
        ({"colour": "blue"}, "colour"),
        ({"page": "0"}, "page"),
        ({"page_size": "1000"}, "page_size"),
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(token_for, customer, params, field):
    response = token_for(customer).get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["fields"]
    assert field in body["message"]


def test_an_unknown_severity_is_the_same_field_error_wherever_a_severity_is_asked_for(token_for, customer):
    client = token_for(customer)
    answers = [
        client.get(URL, {"severity": "Z"}),
        client.post(URL, valid_payload(severity="Z"), format="json"),
        client.get("/api/v1/sla/deadline/", {"plan": "premier", "severity": "Z", "region": "japan"}),
    ]
    assert [response.status_code for response in answers] == [400, 400, 400]
    assert {tuple(response.json()["fields"]["severity"]) for response in answers} == {
        ("Unknown severity Z; use one of A, B, C.",)
    }


def test_a_page_past_the_end_is_a_json_404(token_for, customer):
    response = token_for(customer).get(URL, {"page": 5})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_listing_takes_a_fixed_number_of_queries(token_for, customer, file_incident, django_assert_max_num_queries):
    for n in range(6):  # the contract's whole allotment
        file_incident(customer, title=f"Incident {n}")
    client = token_for(customer)
    with django_assert_max_num_queries(4):  # token, count, page (+ last used once a minute)
        response = client.get(URL)
    assert response.json()["count"] == 6


def test_an_incident_with_files_and_replies_takes_a_fixed_number_of_queries(
    token_for, customer, engineer, file_incident, now, django_assert_max_num_queries
):
    incident = file_incident(customer)
    for n in range(4):
        upload = SimpleUploadedFile(f"log-{n}.txt", b"trace", content_type="text/plain")
        comment_add(incident=incident, author=engineer, body=f"Reply {n}", files=[upload], now=now)
    client = token_for(customer)
    client.get(f"{URL}{incident.number}/")
    with django_assert_max_num_queries(3):  # token, incident, attachments
        response = client.get(f"{URL}{incident.number}/")
    assert len(response.json()["attachments"]) == 4
    with django_assert_max_num_queries(4):  # token, incident, count, page with authors
        response = client.get(f"{URL}{incident.number}/comments/")
    assert response.json()["count"] == 4


# --- Create ---------------------------------------------------------------------------


def test_create_files_an_incident_with_the_sla_deadline(token_for, customer, organization, sla, now):
    with time_machine.travel(now, tick=False):
        response = token_for(customer).post(URL, valid_payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    incident = Incident.objects.get(pk=Incident.id_for_number(body["number"]))
    assert incident.number == body["number"]
    expected = sla_engine.deadline(
        plan=sla["plans"]["professional-direct"],
        severity=sla["severities"]["B"],
        region=organization.region,
        submitted_at=now,
    ).due_at
    assert incident.response_due_at == expected
    assert body["status"] == "new"
    assert body["severity"] == "B"
    assert body["response_due_at"] == expected.isoformat().replace("+00:00", "Z")
    assert body["first_response_at"] is None
    assert body["response_state"] == "running"  # sla.clock.sla_clock, as the portal's pages show it
    assert response["Location"].endswith(f"/api/v1/incidents/{incident.number}/")
    assert incident.submitted_by == customer
    assert incident.organization == organization


def test_severity_a_needs_a_phone_and_the_around_the_clock_confirmation(token_for, customer):
    client = token_for(customer)
    response = client.post(URL, valid_payload(severity="A"), format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"contact_phone", "around_the_clock"}
    response = client.post(
        URL, valid_payload(severity="A", around_the_clock=True, contact_phone="+1 312 555 0100"), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["contact_phone"] == "+1 312 555 0100"


@pytest.mark.parametrize(
    ("value", "ok"),
    [("2611220040001234", True), ("2611 2200 4000 123", True), ("12345", False), ("26112200400012AB", False)],
)
def test_microsoft_case_numbers_are_15_or_16_digits(token_for, customer, value, ok):
    response = token_for(customer).post(URL, valid_payload(microsoft_case_number=value), format="json")
    if ok:
        assert response.status_code == 201, response.json()
        assert response.json()["microsoft_case_number"] == value.replace(" ", "")
    else:
        assert response.status_code == 400
        assert "15 or 16 digits" in response.json()["fields"]["microsoft_case_number"][0]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"severity": "Q"}, "severity"),
        ({"severity": 7}, "severity"),
        ({"kind": "wish"}, "kind"),
        ({"product_text": ""}, "product_text"),
        ({"product_version": 999999}, "product_version"),
        ({"product_version": "latest"}, "product_version"),
        ({"product_version": 10**30}, "product_version"),
        ({"title": "nul\x00byte"}, "title"),
        ({"is_preview_feature": "sometimes"}, "is_preview_feature"),
        ({"contact_phone": "call me"}, "contact_phone"),
        ({"priority": "urgent"}, "priority"),
    ],
)
def test_create_rejects_bad_fields_with_400_naming_them(token_for, customer, payload, field):
    response = token_for(customer).post(URL, valid_payload(**payload), format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["fields"]
    assert not Incident.objects.exists()


def test_create_rejects_a_body_that_is_not_an_object(token_for, customer):
    response = token_for(customer).post(URL, [valid_payload()], format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_the_same_idempotency_key_files_one_incident(token_for, customer):
    client = token_for(customer)
    key = str(uuid.uuid4())
    first = client.post(URL, valid_payload(), format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = client.post(URL, valid_payload(), format="json", HTTP_IDEMPOTENCY_KEY=key)
    other = client.post(URL, valid_payload(), format="json", HTTP_IDEMPOTENCY_KEY="another-key")
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["number"] == first.json()["number"]
    assert other.status_code == 201
    assert Incident.objects.count() == 2


def test_an_idempotency_key_reused_for_a_different_incident_is_a_409(token_for, customer):
    client = token_for(customer)
    first = client.post(URL, valid_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-9")
    other = client.post(URL, valid_payload(title="Something else"), format="json", HTTP_IDEMPOTENCY_KEY="k-9")
    assert first.status_code == 201
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    assert first.json()["number"] in other.json()["message"]
    assert Incident.objects.count() == 1


def test_an_idempotency_key_of_another_person_does_not_return_their_incident(token_for, customer, colleague):
    first = token_for(customer).post(URL, valid_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = token_for(colleague).post(URL, valid_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["number"] != second.json()["number"]


def test_exhausted_allotment_is_a_403_with_its_code(token_for, customer, organization, file_incident):
    contract = organization.contracts.get()
    for n in range(contract.incidents_allotted):
        file_incident(customer, title=f"Incident {n}")
    response = token_for(customer).post(URL, valid_payload(), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "allotment_exhausted"
    assert "used all" in response.json()["message"]


def test_no_active_contract_is_a_403_with_its_code(token_for, customer, organization):
    organization.contracts.update(starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2020, 12, 31))
    response = token_for(customer).post(URL, valid_payload(), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "no_active_contract"


@pytest.mark.parametrize("persona", ["viewer", "engineer"])
def test_viewers_and_staff_cannot_file_incidents(request, token_for, persona):
    user = request.getfixturevalue(persona)
    response = token_for(user).post(URL, valid_payload(), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


# --- Retrieve -------------------------------------------------------------------------


def test_retrieve_shows_the_incident_with_its_deadline_in_the_region_zone(token_for, customer, file_incident):
    incident = file_incident(customer)
    response = token_for(customer).get(f"{URL}{incident.number}/")
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == incident.number
    assert body["region_time_zone"] == "America/Los_Angeles"
    due_local = dt.datetime.fromisoformat(body["response_due_at_region"])
    assert due_local == incident.response_due_at
    assert due_local.utcoffset() == dt.timedelta(hours=-8)
    assert body["portal_url"].endswith(f"/incidents/{incident.number}/")


def test_customers_do_not_see_internal_notes_or_their_files(token_for, customer, engineer, file_incident, now):
    incident = file_incident(customer)
    internal = SimpleUploadedFile("trace.log", b"secret", content_type="text/plain")
    comment_add(
        incident=incident,
        author=engineer,
        body="Looks like bug 123",
        visibility=Visibility.INTERNAL,
        files=[internal],
        now=now,
    )
    comment_add(incident=incident, author=engineer, body="We are on it.", now=now)
    customer_view = token_for(customer)
    comments = customer_view.get(f"{URL}{incident.number}/comments/").json()["results"]
    assert [c["body"] for c in comments] == ["We are on it."]
    assert customer_view.get(f"{URL}{incident.number}/").json()["attachments"] == []
    staff_view = token_for(engineer)
    assert len(staff_view.get(f"{URL}{incident.number}/comments/").json()["results"]) == 2
    assert len(staff_view.get(f"{URL}{incident.number}/").json()["attachments"]) == 1


# --- Comments -------------------------------------------------------------------------


def test_a_customer_reply_on_an_incident_awaiting_them_moves_it_back(token_for, customer, engineer, file_incident, now):
    incident = file_incident(customer)
    incident_transition(incident=incident, to_status=IncidentStatus.AWAITING_CUSTOMER, by=engineer, now=now)
    response = token_for(customer).post(
        f"{URL}{incident.number}/comments/", {"body": "Here is the log."}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["body"] == "Here is the log."
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.IN_PROGRESS


def test_a_staff_reply_through_the_api_records_the_first_response(token_for, customer, engineer, file_incident):
    incident = file_incident(customer)
    response = token_for(engineer).post(f"{URL}{incident.number}/comments/", {"body": "Looking now."}, format="json")
    assert response.status_code == 201
    incident.refresh_from_db()
    assert incident.first_response_at is not None
    assert incident.status == IncidentStatus.RESPONDED


def test_customers_cannot_write_internal_notes(token_for, customer, file_incident):
    incident = file_incident(customer)
    response = token_for(customer).post(
        f"{URL}{incident.number}/comments/", {"body": "psst", "visibility": "internal"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "not_allowed"
    assert not Comment.objects.exists()


@pytest.mark.parametrize("body", [{}, {"body": ""}, {"body": "   "}, {"body": "hi", "cc": "x"}, {"body": ["a"]}])
def test_bad_replies_are_400(token_for, customer, file_incident, body):
    incident = file_incident(customer)
    response = token_for(customer).post(f"{URL}{incident.number}/comments/", body, format="json")
    assert response.status_code == 400
    assert not Comment.objects.exists()


# --- Attachments ----------------------------------------------------------------------


def test_a_file_is_attached_with_a_reply(token_for, customer, file_incident):
    incident = file_incident(customer)
    upload = SimpleUploadedFile("event-log.txt", b"line 1\nline 2\n", content_type="text/plain")
    response = token_for(customer).post(f"{URL}{incident.number}/attachments/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "event-log.txt"
    assert body["size"] == 14
    assert body["download_url"].endswith(f"/incidents/{incident.number}/files/{body['id']}/")
    assert body["url"] == f"http://testserver{URL}{incident.number}/attachments/{body['id']}/"
    comment = incident.comments.get()
    assert comment.body == "Attached event-log.txt."
    assert comment.attachments.get().original_name == "event-log.txt"


def test_a_file_is_downloaded_with_the_token_as_it_was_uploaded(token_for, customer, file_incident):
    incident = file_incident(customer)
    client = token_for(customer)
    content = bytes(range(256)) * 40  # binary, not only text
    upload = SimpleUploadedFile("dump ü.zip", content, content_type="application/zip")
    url = client.post(f"{URL}{incident.number}/attachments/", {"file": upload}, format="multipart").json()["url"]
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "dump" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_file_that_is_not_there_or_not_yours_is_a_404_in_the_api_format(
    token_for, customer, engineer, file_incident, now
):
    from incidents.models import Visibility
    from incidents.services import comment_add

    incident = file_incident(customer)
    internal = comment_add(
        incident=incident,
        author=engineer,
        body="Our trace",
        visibility=Visibility.INTERNAL,
        files=[SimpleUploadedFile("trace.txt", b"internal")],
        now=now,
    ).attachments.get()
    customer_view = token_for(customer)
    for pk in (internal.pk, 987_654):
        response = customer_view.get(f"{URL}{incident.number}/attachments/{pk}/")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert str(pk) in response.json()["message"]
    staff = token_for(engineer).get(f"{URL}{incident.number}/attachments/{internal.pk}/")
    assert staff.status_code == 200
    assert b"".join(staff.streaming_content) == b"internal"
    internal.file.storage.delete(internal.file.name)  # lost from storage
    gone = token_for(engineer).get(f"{URL}{incident.number}/attachments/{internal.pk}/")
    assert gone.status_code == 404
    assert gone.json()["message"] == "This file is no longer stored."


def test_a_file_of_a_type_not_accepted_is_a_400_naming_the_file(token_for, customer, file_incident):
    incident = file_incident(customer)
    upload = SimpleUploadedFile("setup.exe", b"MZ", content_type="application/octet-stream")
    response = token_for(customer).post(f"{URL}{incident.number}/attachments/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "attachment_rejected"
    assert "setup.exe" in body["fields"]["file"][0]
    assert not incident.attachments.exists()


def test_a_file_over_the_limit_is_refused(token_for, customer, file_incident, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    incident = file_incident(customer)
    upload = SimpleUploadedFile("big.txt", b"x" * 11, content_type="text/plain")
    response = token_for(customer).post(f"{URL}{incident.number}/attachments/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert "at most" in response.json()["fields"]["file"][0]


def test_a_file_name_never_reaches_the_database_with_control_characters(token_for, customer, file_incident):
    incident = file_incident(customer)
    upload = SimpleUploadedFile("log\x00\x07.txt", b"x", content_type="text/plain")
    response = token_for(customer).post(f"{URL}{incident.number}/attachments/", {"file": upload}, format="multipart")
    assert response.status_code in (201, 400)
    for attachment in incident.attachments.all():
        assert attachment.original_name.isprintable()


def test_an_upload_without_a_file_or_as_json_is_refused(token_for, customer, file_incident):
    incident = file_incident(customer)
    client = token_for(customer)
    missing = client.post(f"{URL}{incident.number}/attachments/", {"message": "see file"}, format="multipart")
    assert missing.status_code == 400
    assert "file" in missing.json()["fields"]
    as_json = client.post(f"{URL}{incident.number}/attachments/", {"file": "abc"}, format="json")
    assert as_json.status_code == 415
    assert as_json.json()["code"] == "unsupported_media_type"


# --- Confirm resolution ---------------------------------------------------------------


def test_confirming_a_resolved_incident_closes_it(token_for, customer, engineer, file_incident, now):
    incident = file_incident(customer)
    incident_transition(incident=incident, to_status=IncidentStatus.RESOLVED, by=engineer, now=now)
    response = token_for(customer).post(f"{URL}{incident.number}/confirm-resolution/", {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "closed"
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED


def test_confirming_an_unresolved_incident_is_a_409(token_for, customer, file_incident):
    incident = file_incident(customer)
    response = token_for(customer).post(f"{URL}{incident.number}/confirm-resolution/")
    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.NEW


# --- Escalation -----------------------------------------------------------------------


def test_a_customer_escalates_an_open_incident_once_an_hour(token_for, customer, file_incident):
    from escalation.models import EscalationEvent, EscalationRequest

    incident = file_incident(customer)
    client = token_for(customer)
    payload = {"criterion": "impact_grew", "description": "All three warehouses are down now."}
    response = client.post(f"{URL}{incident.number}/escalation/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["incident"] == incident.number
    assert body["criterion"] == "impact_grew"
    request = EscalationRequest.objects.get(incident=incident)
    assert request.requested_by == customer
    assert EscalationEvent.objects.filter(request=request).exists()
    again = client.post(f"{URL}{incident.number}/escalation/", payload, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "escalation_not_allowed"
    assert EscalationRequest.objects.count() == 1


def test_a_closed_incident_cannot_be_escalated(token_for, customer, engineer, file_incident, now):
    incident = file_incident(customer)
    incident_transition(incident=incident, to_status=IncidentStatus.CLOSED, by=engineer, now=now)
    response = token_for(customer).post(
        f"{URL}{incident.number}/escalation/", {"criterion": "no_response", "description": "?"}, format="json"
    )
    assert response.status_code == 409
    assert "closed" in response.json()["message"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"criterion": "angry", "description": "x"}, "criterion"),
        ({"criterion": "no_response"}, "description"),
        ({"criterion": "no_response", "description": " "}, "description"),
        ({"criterion": "no_response", "description": "x", "cc": "ceo"}, "cc"),
    ],
)
def test_bad_escalation_requests_are_400(token_for, customer, file_incident, payload, field):
    incident = file_incident(customer)
    response = token_for(customer).post(f"{URL}{incident.number}/escalation/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
