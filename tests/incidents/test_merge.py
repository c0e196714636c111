"""Merging a duplicate for real: the conversation, files and followers move, each customer is
told, the duplicate closes with a link; a lead can undo it; two organisations never merge."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from incidents.errors import IncidentError
from incidents.models import Attachment, Comment, IncidentMerge, IncidentStatus, Visibility
from incidents.services import comment_add
from incidents.services.merge import incident_merge, incident_merge_undo
from notify.models import Delivery
from tests.conftest import NOW
from tests.factories import MemberFactory
from tests.incidents.test_admin_queue import change_url, file_incident

pytestmark = pytest.mark.django_db
LATER = NOW + dt.timedelta(minutes=10)


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def primary(organization, customer):
    return file_incident(organization, customer, title="Bin codes blank")


@pytest.fixture
def duplicate(organization, colleague, engineer):
    incident = file_incident(organization, colleague, title="No bin codes on pick list")
    comment_add(
        incident=incident,
        author=colleague,
        body="Screenshot attached",
        files=[SimpleUploadedFile("shot.txt", b"pixels")],
        now=NOW + dt.timedelta(minutes=1),
    )
    comment_add(incident=incident, author=engineer, body="Looks like the known bug", visibility="internal", now=NOW)
    return incident


def test_merging_moves_comments_files_and_followers_and_closes_the_duplicate(
    primary, duplicate, engineer, customer, colleague
):
    moved = list(Comment.objects.filter(incident=duplicate).values_list("pk", flat=True))
    merge = incident_merge(duplicate=duplicate, primary=primary, by=engineer, now=LATER)
    assert sorted(Comment.objects.filter(incident=primary).values_list("pk", flat=True)) == sorted(moved)
    assert Attachment.objects.get(original_name="shot.txt").incident == primary
    assert list(primary.shared_with.all()) == [colleague]
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.duplicate_of, duplicate.is_chargeable) == (
        IncidentStatus.CLOSED,
        primary,
        False,
    )
    assert sorted(merge.comment_ids) == sorted(moved)


def test_each_customer_is_told_through_the_outbox(primary, duplicate, engineer, customer, colleague):
    merge = incident_merge(duplicate=duplicate, primary=primary, by=engineer, now=LATER)
    sent = Delivery.objects.filter(key=f"incident-merged:{merge.pk}")
    assert sorted(sent.values_list("to", flat=True)) == sorted([customer.email, colleague.email])


def test_a_lead_undoes_a_merge_and_everything_moves_back(primary, duplicate, engineer, lead, colleague):
    before = sorted(Comment.objects.filter(incident=duplicate).values_list("pk", flat=True))
    comment_add(incident=primary, author=engineer, body="Primary's own", now=NOW)
    merge = incident_merge(duplicate=duplicate, primary=primary, by=engineer, now=LATER)
    incident_merge_undo(merge=merge, by=lead, now=LATER + dt.timedelta(minutes=1))
    assert sorted(Comment.objects.filter(incident=duplicate).values_list("pk", flat=True)) == before
    assert Comment.objects.filter(incident=primary).count() == 1
    assert Attachment.objects.get(original_name="shot.txt").incident == duplicate
    assert not primary.shared_with.exists()
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.duplicate_of, duplicate.is_chargeable) == (
        IncidentStatus.IN_PROGRESS,
        None,
        True,
    )
    with pytest.raises(IncidentError):  # someone else got there first
        incident_merge_undo(merge=merge, by=lead, now=LATER)


def test_incidents_of_two_organisations_are_never_merged(primary, other_organization, engineer):
    stranger = MemberFactory(organization=other_organization, role=Role.SUBMITTER, email="n@northwind.example")
    theirs = file_incident(other_organization, stranger)
    comment_add(incident=theirs, author=stranger, body="Ours", now=NOW)
    with pytest.raises(IncidentError, match="two organisations"):
        incident_merge(duplicate=theirs, primary=primary, by=engineer, now=LATER)
    assert Comment.objects.filter(incident=theirs).count() == 1
    assert not IncidentMerge.objects.exists()


def test_merging_from_the_admin_and_undo_only_by_a_lead(client, primary, duplicate, engineer, lead):
    client.force_login(engineer)
    changelist = reverse("admin:incidents_incident_changelist") + "?status=all"
    client.post(
        changelist,
        {"action": "merge_into", "_selected_action": [duplicate.pk], "original": primary.number, "apply": "1"},
    )
    merge = IncidentMerge.objects.get()
    assert Comment.objects.filter(incident=primary, visibility=Visibility.INTERNAL).exists()
    undo = reverse("admin:incidents_incident_merge_undo", args=[merge.pk])
    assert "Undo merge" not in client.get(change_url(primary)).content.decode()
    assert client.post(undo).status_code == 403
    client.force_login(lead)
    assert "Undo merge" in client.get(change_url(duplicate)).content.decode()
    client.post(undo)
    merge.refresh_from_db()
    assert merge.undone_by == lead
