"""The incident page in the admin: customer, contract, SLA panel, timeline, replies and notes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Attachment, Comment, IncidentStatus, StatusChange, Visibility
from incidents.selectors.page import incident_stamp
from incidents.services import comment_add, incident_mark_non_chargeable
from incidents.services.escalations import Escalated, escalations_record
from tests.conftest import NOW
from tests.incidents.test_admin_queue import change_url, file_incident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def incident(organization, customer):
    # Sev B, Professional Direct: 120 business minutes from Monday 07:00 Los Angeles = 09:00.
    return file_incident(organization, customer, title="Bin codes blank", sev="B")


def test_the_page_shows_organisation_contract_and_incidents_left(client, engineer, incident):
    client.force_login(engineer)
    content = client.get(change_url(incident)).content.decode()
    assert "Fabrikam Inc." in content
    assert "Professional Direct" in content
    assert '<strong data-testid="incidents-left">999</strong>' in content
    assert "of 1000 (1 used)" in content


def test_the_sla_panel_gives_the_due_time_in_both_zones_and_business_time_left(client, engineer, incident):
    client.force_login(engineer)  # the engineer works from Europe/London
    content = client.get(change_url(incident)).content.decode()
    assert "Mon 23 Nov 2026, 17:00 GMT" in content  # the engineer's zone
    assert 'Mon 23 Nov 2026, 09:00 PST <span class="queue-muted">America/Los_Angeles</span>' in content
    assert '<dd data-testid="business-time-left">2 h 00 min</dd>' in content
    assert "120 minutes, Business hours" in content


def test_business_time_left_skips_closed_hours(client, engineer, organization, customer):
    # Filed Monday 17:00 Los Angeles: one business hour today, the other Tuesday 06:00-07:00.
    late = file_incident(organization, customer, sev="B", at=NOW + dt.timedelta(hours=10))
    client.force_login(engineer)
    with time_machine.travel(NOW + dt.timedelta(hours=10, minutes=30), tick=False):
        content = client.get(change_url(late)).content.decode()
    assert '<dd data-testid="business-time-left">1 h 30 min</dd>' in content
    assert "Tue 24 Nov 2026, 07:00 PST" in content


def test_escalations_fired_are_listed_when_the_watcher_records_them(client, engineer, incident):
    escalations_record(
        fired=[Escalated(incident_id=incident.pk, kind="breach", title="Initial response overdue", fired_at=NOW)]
    )
    client.force_login(engineer)
    content = client.get(change_url(incident)).content.decode()
    assert "Initial response overdue" in content
    assert "queue-entry-escalation" in content


def test_the_timeline_tells_public_replies_from_internal_notes(client, engineer, customer, incident):
    comment_add(incident=incident, author=engineer, body="We are looking at it.", now=NOW + dt.timedelta(minutes=5))
    comment_add(
        incident=incident,
        author=engineer,
        body="Reproduced on a copy of their database.",
        visibility=Visibility.INTERNAL,
        now=NOW + dt.timedelta(minutes=6),
        files=[SimpleUploadedFile("trace.log", b"stack trace")],
    )
    client.force_login(engineer)
    content = client.get(change_url(incident)).content.decode()
    public = content.index("We are looking at it.")
    internal = content.index("Reproduced on a copy of their database.")
    assert public < internal
    assert content.count('class="queue-entry queue-entry-internal"') == 1
    assert content.count('class="queue-entry queue-entry-public"') == 1
    assert "never shown to the customer" in content
    assert "trace.log" in content
    assert "Responded" in content  # the first public reply moved the status, shown in the timeline


def test_the_page_costs_the_same_queries_with_2_or_30_comments(client, engineer, customer, incident):
    client.force_login(engineer)
    for i in range(2):
        comment_add(incident=incident, author=customer, body=f"Note {i}", now=NOW + dt.timedelta(minutes=i))
    with CaptureQueriesContext(connection) as few:
        assert client.get(change_url(incident)).status_code == 200
    for i in range(28):
        comment_add(
            incident=incident,
            author=engineer if i % 2 else customer,
            body=f"More {i}",
            visibility=Visibility.INTERNAL if i % 4 == 1 else Visibility.PUBLIC,
            files=[SimpleUploadedFile(f"f{i}.txt", b"x")] if i % 5 == 0 else [],
            now=NOW + dt.timedelta(minutes=10 + i),
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(change_url(incident)).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(many.captured_queries) <= 45


def test_an_engineer_replies_inline_and_the_reply_records_the_first_response(client, engineer, incident):
    client.force_login(engineer)
    response = client.post(
        reverse("admin:incidents_incident_reply", args=[incident.pk]),
        {"body": "Please send the event log.", "visibility": Visibility.PUBLIC, "stamp": incident_stamp(incident)},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.first_response_at == NOW
    assert incident.status == IncidentStatus.RESPONDED
    assert incident.assignee == engineer
    assert Comment.objects.get(incident=incident).is_staff_author


def test_an_internal_note_with_a_file_does_not_count_as_a_response(client, engineer, incident):
    client.force_login(engineer)
    client.post(
        reverse("admin:incidents_incident_reply", args=[incident.pk]),
        {
            "body": "Looks like the known bin-code bug.",
            "visibility": Visibility.INTERNAL,
            "files": [SimpleUploadedFile("notes.txt", b"bug 4711")],
            "stamp": incident_stamp(incident),
        },
    )
    incident.refresh_from_db()
    assert incident.first_response_at is None
    attachment = Attachment.objects.get(incident=incident)
    assert attachment.is_internal
    download = client.get(reverse("admin:incidents_incident_attachment", args=[incident.pk, attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"bug 4711"
    assert 'filename="notes.txt"' in download["Content-Disposition"]


def test_an_empty_reply_or_a_forbidden_file_is_refused_with_a_message(client, engineer, incident):
    client.force_login(engineer)
    url = reverse("admin:incidents_incident_reply", args=[incident.pk])
    response = client.post(url, {"body": "  ", "visibility": Visibility.PUBLIC}, follow=True)
    assert "Write a message" in response.content.decode()
    response = client.post(
        url,
        {
            "body": "See attached",
            "visibility": "public",
            "files": [SimpleUploadedFile("run.exe", b"MZ")],
            "stamp": incident_stamp(incident),
        },
        follow=True,
    )
    assert "files of this type are not accepted" in response.content.decode()
    assert not Comment.objects.filter(incident=incident).exists()


def test_status_buttons_follow_the_allowed_transitions_and_are_audited(client, engineer, incident):
    client.force_login(engineer)
    content = client.get(change_url(incident)).content.decode()
    assert 'name="to_status" value="in_progress"' in content
    assert 'name="to_status" value="mitigated"' not in content  # not allowed from new
    url = reverse("admin:incidents_incident_transition", args=[incident.pk])
    client.post(url, {"to_status": "in_progress", "note": "Working on it", "stamp": incident_stamp(incident)})
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.IN_PROGRESS
    audit = StatusChange.objects.filter(incident=incident).last()
    assert (audit.from_status, audit.to_status, audit.changed_by, audit.changed_at, audit.note) == (
        "new",
        "in_progress",
        engineer,
        NOW,
        "Working on it",
    )


def test_a_transition_the_table_forbids_is_refused(client, engineer, incident):
    client.force_login(engineer)
    url = reverse("admin:incidents_incident_transition", args=[incident.pk])
    response = client.post(url, {"to_status": "mitigated", "stamp": incident_stamp(incident)}, follow=True)
    assert "cannot become “Mitigated”" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.NEW


def test_resolved_incidents_offer_reopen(client, engineer, incident):
    client.force_login(engineer)
    url = reverse("admin:incidents_incident_transition", args=[incident.pk])
    client.post(url, {"to_status": "resolved", "note": "Fixed", "confirmed": "yes", "stamp": incident_stamp(incident)})
    content = client.get(change_url(incident)).content.decode()
    assert (
        '<button type="submit" name="to_status" value="in_progress" class="queue-status-button">Reopen</button>'
        in content
    )


def test_editing_the_title_saves_only_the_editable_fields(client, engineer, incident):
    client.force_login(engineer)
    response = client.post(
        change_url(incident),
        {
            "title": "Bin codes blank on pick lists",
            "product_text": "24.3",
            "microsoft_case_number": "2611220040001234",
            "contact_phone": "",
        },
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.title == "Bin codes blank on pick lists"
    assert incident.microsoft_case_number == "2611220040001234"
    assert incident.history.first().history_user == engineer


def test_the_history_page_is_the_audit_trail(client, engineer, incident):
    incident_mark_non_chargeable(incident=incident, reason="Product defect", by=engineer)
    client.force_login(engineer)
    response = client.get(reverse("admin:incidents_incident_history", args=[incident.pk]))
    assert response.status_code == 200
    assert "Non-chargeable: Product defect" in response.content.decode()


def test_a_customer_cannot_download_attachments_from_the_admin(client, customer, engineer, incident):
    comment_add(
        incident=incident,
        author=engineer,
        body="internal",
        visibility=Visibility.INTERNAL,
        files=[SimpleUploadedFile("secret.txt", b"x")],
        now=NOW,
    )
    attachment = Attachment.objects.get(incident=incident)
    client.force_login(customer)
    response = client.get(reverse("admin:incidents_incident_attachment", args=[incident.pk, attachment.pk]))
    assert response.status_code == 302  # to the admin login, never the file
