"""Following incidents: My incidents, the incident page, replies, resolution, files."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from incidents.models import Attachment, Comment, IncidentStatus, Visibility
from incidents.services import (
    NewIncident,
    comment_add,
    incident_create,
    incident_record_first_response,
    incident_transition,
)
from tests.conftest import NOW
from tests.factories import severity

pytestmark = pytest.mark.django_db
S = IncidentStatus


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=True):
        yield


def file_incident(organization, user, *, title="Pick list prints blank bin codes", code="B", at=NOW, files=()):
    return incident_create(
        organization=organization,
        submitted_by=user,
        data=NewIncident(title=title, description="Details **bold**", severity=severity(code), product_text="CAW"),
        files=files,
        now=at,
    ).incident


def detail_url(incident):
    return reverse("incidents:detail", args=[incident.number])


# --- My incidents ---------------------------------------------------------------------


@pytest.fixture
def three_incidents(organization, other_organization, customer, colleague, customer_admin, outsider):
    mine = file_incident(organization, customer, title="Mine: shipments fail")
    theirs = file_incident(organization, colleague, title="Colleague: labels wrong", code="C")
    shared = file_incident(organization, colleague, title="Shared: put-away slow", code="A")
    shared.shared_with.add(customer)
    other = file_incident(other_organization, outsider, title="Other org: secret")
    return {"mine": mine, "theirs": theirs, "shared": shared, "other": other}


def listed(client, user, query=""):
    client.force_login(user)
    response = client.get(reverse("incidents:list") + query)
    assert response.status_code == 200
    return [incident.title for incident in response.context["page"].object_list]


def test_a_submitter_sees_their_own_and_shared_incidents(client, customer, three_incidents):
    assert sorted(listed(client, customer)) == ["Mine: shipments fail", "Shared: put-away slow"]


def test_an_admin_and_a_viewer_see_the_whole_organisation(client, customer_admin, viewer, three_incidents):
    expected = ["Colleague: labels wrong", "Mine: shipments fail", "Shared: put-away slow"]
    assert sorted(listed(client, customer_admin)) == expected
    assert sorted(listed(client, viewer)) == expected


def test_a_viewer_gets_no_file_button(client, viewer, customer):
    client.force_login(viewer)
    assert reverse("incidents:new") not in client.get(reverse("incidents:list")).content.decode()
    client.force_login(customer)
    assert reverse("incidents:new") in client.get(reverse("incidents:list")).content.decode()


def test_another_organisations_incidents_never_appear(client, outsider, three_incidents):
    assert listed(client, outsider) == ["Other org: secret"]


def test_filters_by_status_severity_open_or_closed_and_search(client, customer_admin, engineer, three_incidents):
    incident_transition(incident=three_incidents["theirs"], to_status=S.RESOLVED, by=engineer, now=NOW)
    assert listed(client, customer_admin, "?state=closed") == ["Colleague: labels wrong"]
    assert sorted(listed(client, customer_admin, "?state=open")) == ["Mine: shipments fail", "Shared: put-away slow"]
    assert listed(client, customer_admin, "?status=resolved") == ["Colleague: labels wrong"]
    assert listed(client, customer_admin, f"?severity={severity('A').pk}") == ["Shared: put-away slow"]
    assert listed(client, customer_admin, "?q=shipments") == ["Mine: shipments fail"]
    assert listed(client, customer_admin, f"?q={three_incidents['shared'].number}") == ["Shared: put-away slow"]
    assert listed(client, customer_admin, "?q=nothing-like-this") == []


def test_an_invalid_filter_shows_everything_instead_of_failing(client, customer_admin, three_incidents):
    assert len(listed(client, customer_admin, "?status=bogus&severity=999999")) == 3


def test_the_list_is_paginated_and_keeps_the_filters(client, customer_admin, organization):
    from accounts.models import Contract

    Contract.objects.filter(organization=organization).update(incidents_allotted=100)
    for n in range(23):
        file_incident(organization, customer_admin, title=f"Case {n:02d}", at=NOW - dt.timedelta(minutes=n))
    client.force_login(customer_admin)
    first = client.get(reverse("incidents:list") + "?state=open")
    assert len(first.context["page"].object_list) == 20
    assert "state=open&amp;page=2" in first.content.decode()
    second = client.get(reverse("incidents:list") + "?state=open&page=2")
    assert [i.title for i in second.context["page"].object_list] == ["Case 20", "Case 21", "Case 22"]


def test_the_list_needs_few_queries(client, customer_admin, organization, django_assert_max_num_queries):
    from accounts.models import Contract

    Contract.objects.filter(organization=organization).update(incidents_allotted=100)
    for n in range(15):
        file_incident(organization, customer_admin, title=f"Case {n}")
    client.force_login(customer_admin)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("incidents:list"))
    assert len(response.context["page"].object_list) == 15


def test_signing_in_is_required(client):
    response = client.get(reverse("incidents:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- The incident page ----------------------------------------------------------------


def test_the_incident_page_shows_public_replies_and_status_but_never_internal_notes(
    client, customer, engineer, organization
):
    incident = file_incident(organization, customer)
    comment_add(incident=incident, author=engineer, body="We are **on it**.", now=NOW + dt.timedelta(minutes=5))
    comment_add(
        incident=incident,
        author=engineer,
        body="INTERNAL: customer DB is a mess",
        visibility=Visibility.INTERNAL,
        files=[SimpleUploadedFile("internal.txt", b"secret")],
        now=NOW + dt.timedelta(minutes=6),
    )
    incident_transition(incident=incident, to_status=S.IN_PROGRESS, by=engineer, now=NOW + dt.timedelta(minutes=7))
    client.force_login(customer)
    response = client.get(detail_url(incident))
    content = response.content.decode()
    assert "We are <strong>on it</strong>." in content
    assert "INTERNAL" not in content
    assert "internal.txt" not in content
    assert "Status changed to <strong>In progress</strong>" in content
    assert "Met: responded in time" in content


def test_markdown_in_the_description_is_sanitised(client, customer, organization):
    incident = incident_create(
        organization=organization,
        submitted_by=customer,
        data=NewIncident(
            title="XSS attempt",
            description='Hello <script>alert("x")</script> [click](javascript:alert(1)) **bold**',
            severity=severity("C"),
            product_text="CAW",
        ),
        now=NOW,
    ).incident
    client.force_login(customer)
    content = client.get(detail_url(incident)).content.decode()
    assert "<script>alert" not in content
    assert 'href="javascript' not in content
    assert "<strong>bold</strong>" in content


def test_the_due_time_shows_in_the_viewers_and_the_regions_zone(client, outsider, other_organization):
    from accounts.models import Membership

    Membership.objects.filter(user=outsider).update(time_zone="Asia/Tokyo")
    incident = file_incident(other_organization, outsider)
    client.force_login(outsider)
    content = client.get(detail_url(incident)).content.decode()
    assert "(Asia/Tokyo)" in content
    assert "Europe/Berlin, support region" in content
    assert "Waiting for an engineer" in content


def test_an_overdue_and_a_late_response_are_called_so(client, customer, engineer, organization):
    overdue = file_incident(organization, customer, title="Overdue", at=NOW - dt.timedelta(days=3))
    late = file_incident(organization, customer, title="Late", at=NOW - dt.timedelta(days=3))
    incident_record_first_response(incident=late, by=engineer, now=NOW)
    client.force_login(customer)
    assert "Overdue: not yet responded" in client.get(detail_url(overdue)).content.decode()
    assert "Not met: responded late" in client.get(detail_url(late)).content.decode()


def test_the_incident_page_needs_few_queries(client, customer, engineer, organization, django_assert_max_num_queries):
    incident = file_incident(organization, customer, files=[SimpleUploadedFile("a.txt", b"a")])
    for n in range(5):
        comment_add(
            incident=incident,
            author=engineer,
            body=f"Reply {n}",
            files=[SimpleUploadedFile(f"r{n}.txt", b"r")],
            now=NOW + dt.timedelta(minutes=n + 1),
        )
    client.force_login(customer)
    with django_assert_max_num_queries(14):
        response = client.get(detail_url(incident))
    assert response.content.decode().count('class="attachment-link"') == 6


def test_a_contact_adds_a_message_with_an_attachment(client, customer, engineer, organization):
    incident = file_incident(organization, customer)
    incident_record_first_response(incident=incident, by=engineer, now=NOW)
    incident_transition(incident=incident, to_status=S.AWAITING_CUSTOMER, by=engineer, now=NOW)
    client.force_login(customer)
    response = client.post(
        reverse("incidents:comment", args=[incident.number]),
        {"body": "Here is the log you asked for.", "attachments": [SimpleUploadedFile("trace.log", b"TRACE")]},
    )
    assert response.status_code == 302
    comment = Comment.objects.get(incident=incident, author=customer)
    assert comment.body == "Here is the log you asked for."
    attachment = Attachment.objects.get(comment=comment)
    incident.refresh_from_db()
    assert incident.status == S.IN_PROGRESS  # the customer answered
    download = client.get(reverse("incidents:attachment", args=[incident.number, attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"TRACE"
    assert 'attachment; filename="trace.log"' in download["Content-Disposition"]


def test_an_empty_message_or_a_bad_file_is_refused_and_the_text_kept(client, customer, organization, settings):
    incident = file_incident(organization, customer)
    client.force_login(customer)
    url = reverse("incidents:comment", args=[incident.number])
    assert client.post(url, {"body": ""}).status_code == 400
    response = client.post(url, {"body": "Keep me", "attachments": [SimpleUploadedFile("virus.exe", b"MZ")]})
    assert response.status_code == 400
    content = response.content.decode()
    assert "virus.exe: files of this type are not accepted" in content
    assert "Keep me</textarea>" in content
    assert Comment.objects.filter(incident=incident).count() == 0


def test_a_viewer_reads_but_cannot_write(client, viewer, customer, organization):
    incident = file_incident(organization, customer)
    client.force_login(viewer)
    page = client.get(detail_url(incident))
    assert page.status_code == 200
    content = page.content.decode()
    assert reverse("incidents:comment", args=[incident.number]) not in content
    assert client.post(reverse("incidents:comment", args=[incident.number]), {"body": "hi"}).status_code == 403
    assert client.post(reverse("incidents:confirm", args=[incident.number])).status_code == 403
    assert client.post(reverse("incidents:reopen", args=[incident.number]), {"reason": "x"}).status_code == 403
    assert Comment.objects.count() == 0


def test_the_customer_confirms_a_resolution(client, customer, engineer, organization):
    incident = file_incident(organization, customer)
    incident_transition(incident=incident, to_status=S.RESOLVED, by=engineer, now=NOW)
    client.force_login(customer)
    assert "Yes, confirm resolution" in client.get(detail_url(incident)).content.decode()
    client.post(reverse("incidents:confirm", args=[incident.number]))
    incident.refresh_from_db()
    assert incident.status == S.CLOSED
    assert incident.status_changes.last().changed_by == customer


def test_confirming_an_unresolved_incident_is_refused(client, customer, organization):
    incident = file_incident(organization, customer)
    client.force_login(customer)
    response = client.post(reverse("incidents:confirm", args=[incident.number]), follow=True)
    assert "Only a resolved incident can be confirmed as solved." in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == S.NEW


def test_the_customer_reopens_with_a_reason(client, customer, engineer, organization):
    incident = file_incident(organization, customer)
    incident_transition(incident=incident, to_status=S.RESOLVED, by=engineer, now=NOW)
    incident_transition(incident=incident, to_status=S.CLOSED, by=engineer, now=NOW)
    client.force_login(customer)
    url = reverse("incidents:reopen", args=[incident.number])
    assert client.post(url, {"reason": ""}).status_code == 400
    client.post(url, {"reason": "The bin codes are blank again."})
    incident.refresh_from_db()
    assert incident.status == S.IN_PROGRESS
    assert incident.comments.get().body == "The bin codes are blank again."


def test_reopening_an_open_incident_is_refused(client, customer, organization):
    incident = file_incident(organization, customer)
    client.force_login(customer)
    response = client.post(reverse("incidents:reopen", args=[incident.number]), {"reason": "why not"}, follow=True)
    assert response.status_code == 200
    assert "Only a resolved or closed incident can be reopened." in response.content.decode()


# --- Files ----------------------------------------------------------------------------


def test_files_are_served_only_to_people_who_see_the_incident(
    client, customer, colleague, viewer, outsider, organization
):
    incident = file_incident(organization, customer, files=[SimpleUploadedFile("screen.png", b"PNG")])
    attachment = incident.attachments.get()
    url = reverse("incidents:attachment", args=[incident.number, attachment.pk])
    for user, status in ((customer, 200), (viewer, 200), (colleague, 404), (outsider, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status, user
    client.logout()
    assert client.get(url).status_code == 302


def test_a_file_lost_from_storage_is_a_404_not_an_error(client, customer, organization):
    incident = file_incident(organization, customer, files=[SimpleUploadedFile("screen.png", b"PNG")])
    attachment = incident.attachments.get()
    attachment.file.storage.delete(attachment.file.name)
    client.force_login(customer)
    response = client.get(reverse("incidents:attachment", args=[incident.number, attachment.pk]))
    assert response.status_code == 404


def test_an_internal_file_is_a_404_for_the_customer(client, customer, engineer, organization):
    incident = file_incident(organization, customer)
    comment_add(
        incident=incident,
        author=engineer,
        body="note",
        visibility=Visibility.INTERNAL,
        files=[SimpleUploadedFile("internal.txt", b"secret")],
        now=NOW,
    )
    attachment = Attachment.objects.get(original_name="internal.txt")
    client.force_login(customer)
    assert client.get(reverse("incidents:attachment", args=[incident.number, attachment.pk])).status_code == 404


def test_a_file_of_another_incident_is_a_404(client, customer, organization):
    first = file_incident(organization, customer, files=[SimpleUploadedFile("one.txt", b"1")])
    second = file_incident(organization, customer, title="Second")
    client.force_login(customer)
    url = reverse("incidents:attachment", args=[second.number, first.attachments.get().pk])
    assert client.get(url).status_code == 404


# --- The escalation slot --------------------------------------------------------------


def test_no_escalation_button_until_the_escalation_view_exists(client, customer, organization):
    from django.urls import NoReverseMatch
    from django.urls import reverse as _reverse

    incident = file_incident(organization, customer)
    client.force_login(customer)
    response = client.get(detail_url(incident))
    try:
        _reverse("escalation:request", args=[incident.number])
    except NoReverseMatch:
        assert response.context["escalation_request_url"] is None
        assert "Request escalation" not in response.content.decode()
    else:  # the escalation engineer has shipped the view
        assert "Request escalation" in response.content.decode()


def _escalation_urlconf():
    """The project's URLs with a stand-in "escalation:request" route added to the escalation namespace."""
    import types

    from django.http import HttpResponse
    from django.urls import include, path

    import escalation.urls
    import portal.urls

    stand_in = path("test-escalation/request/<str:number>/", lambda r, number: HttpResponse(), name="request")
    escalation_patterns = [p for p in escalation.urls.urlpatterns if getattr(p, "name", None) != "request"]
    module = types.ModuleType("escalation_test_urls")
    module.urlpatterns = [
        path("", include(([stand_in, *escalation_patterns], "escalation"))),
        *[p for p in portal.urls.urlpatterns if getattr(p, "namespace", None) != "escalation"],
    ]
    return module


def test_the_escalation_button_appears_once_the_view_exists(client, customer, viewer, organization):
    incident = file_incident(organization, customer)
    with override_settings(ROOT_URLCONF=_escalation_urlconf()):
        client.force_login(customer)
        content = client.get(detail_url(incident)).content.decode()
        assert f'href="/test-escalation/request/{incident.number}/"' in content
        assert "Request escalation" in content
        client.force_login(viewer)
        assert "Request escalation" not in client.get(detail_url(incident)).content.decode()


# --- Sharing with colleagues ----------------------------------------------------------


def test_the_submitter_shares_an_incident_with_a_colleague_who_then_follows_it(
    client, customer, colleague, organization
):
    incident = file_incident(organization, customer)
    client.force_login(colleague)
    assert client.get(detail_url(incident)).status_code == 404
    client.force_login(customer)
    assert colleague.get_full_name() in client.get(detail_url(incident)).content.decode()  # offered
    client.post(reverse("incidents:share", args=[incident.number]), {"user": colleague.pk})
    client.force_login(colleague)
    assert client.get(detail_url(incident)).status_code == 200
    assert listed(client, colleague) == [incident.title]
    client.force_login(customer)
    client.post(reverse("incidents:unshare", args=[incident.number, colleague.pk]))
    client.force_login(colleague)
    assert client.get(detail_url(incident)).status_code == 404


def test_only_submitters_of_the_organisation_can_be_shared_with(client, customer, outsider, viewer, organization):
    incident = file_incident(organization, customer)
    client.force_login(customer)
    # Another organisation's person is nobody here: a 404 (security issue, item 2), no longer a message.
    response = client.post(reverse("incidents:share", args=[incident.number]), {"user": outsider.pk})
    assert response.status_code == 404
    response = client.post(reverse("incidents:share", args=[incident.number]), {"user": viewer.pk})
    assert response.status_code == 403
    assert list(incident.shared_with.all()) == []


def test_a_colleague_it_is_shared_with_cannot_share_it_further(client, customer, colleague, organization):
    from accounts.models import Role
    from tests.factories import MemberFactory

    third = MemberFactory(organization=organization, role=Role.SUBMITTER, email="theo.third@fabrikam.example")
    incident = file_incident(organization, customer)
    incident.shared_with.add(colleague)
    client.force_login(colleague)
    response = client.post(reverse("incidents:share", args=[incident.number]), {"user": third.pk})
    assert response.status_code == 403
    assert list(incident.shared_with.all()) == [colleague]


def test_an_admin_shares_any_incident_of_the_organisation(client, customer_admin, customer, colleague, organization):
    incident = file_incident(organization, customer)
    client.force_login(customer_admin)
    client.post(reverse("incidents:share", args=[incident.number]), {"user": colleague.pk})
    assert list(incident.shared_with.all()) == [colleague]
