"""Staff keep the CfMD evidence in the admin, with history on every row."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cfmd.models import EvidenceRecord
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(StaffFactory(username="ada.admin", superuser=True))
    return client


def test_the_evidence_record_admin_lists_the_records(admin_client):
    assert admin_client.get(reverse("admin:cfmd_evidencerecord_changelist")).status_code == 200


def test_staff_add_an_evidence_record_and_its_history_is_kept(admin_client):
    response = admin_client.post(
        reverse("admin:cfmd_evidencerecord_add"),
        {
            "kind": "escrow",
            "title": "Deposit 30.0",
            "details": "",
            "agent": "NCC Group",
            "dated_on": "2026-11-20",
            "valid_until": "2027-11-20",
            "url": "https://escrow.example/4471",
        },
    )
    assert response.status_code == 302
    record = EvidenceRecord.objects.get(title="Deposit 30.0")
    history = admin_client.get(reverse("admin:cfmd_evidencerecord_history", args=[record.pk]))
    assert history.status_code == 200
    assert record.history.get().history_user.username == "ada.admin"
