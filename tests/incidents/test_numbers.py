"""An incident's number, INC-<year of submission, UTC>-<id>: made from the row, never stored,
so filing is one insert; looked up exactly, found by every search that names it."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from accounts.models import Contract
from escalation.models import EscalationEvent, EventKind
from incidents.models import Incident
from incidents.services import NewIncident, incident_create
from tests.conftest import NOW
from tests.factories import severity

pytestmark = pytest.mark.django_db


def filed(organization, customer, *, at=NOW, title="Pick list prints blank bin codes") -> Incident:
    Contract.objects.filter(organization=organization).update(incidents_allotted=1000)
    data = NewIncident(title=title, description="x", severity=severity("B"), product_text="CAW 24.3")
    return incident_create(
        organization=organization, submitted_by=customer, data=data, submission_token=uuid.uuid4(), now=at
    ).incident


def test_the_number_is_the_year_of_submission_in_utc_and_the_id(organization, customer):
    incident = filed(organization, customer)
    assert incident.number == f"INC-{NOW.year}-{incident.pk:06d}"
    assert Incident.objects.get(pk=incident.pk).number == incident.number  # read back, the same
    # 23:30 in Los Angeles on New Year's Eve is already the next year in UTC.
    late = filed(
        organization, customer, at=dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-8)))
    )
    assert Incident.objects.get(pk=late.pk).number == f"INC-2027-{late.pk:06d}"
    assert Incident().number == ""  # not filed yet


@pytest.mark.parametrize(
    ("text", "number_id", "reference_id"),
    [
        ("INC-2026-000042", 42, 42),
        ("inc-2026-000042", 42, 42),
        (" INC-2026-1234567 ", 1234567, 1234567),
        ("000042", None, 42),
        ("42", None, 42),
        ("INC-000042", None, 42),
        ("INC-2026-42", None, 42),  # no number we made, but a search may mean it
        ("0", None, None),
        ("INC-2026-" + "9" * 19, None, None),  # more than the database's ids: not a lookup
        ("9" * 19, None, None),
        ("bin codes", None, None),
        ("INC-2026-000042; DROP TABLE", None, None),
        ("", None, None),
    ],
)
def test_what_names_an_incident(text, number_id, reference_id):
    assert Incident.id_for_number(text) == number_id
    assert Incident.id_for_reference(text) == reference_id


def test_the_customers_page_answers_only_the_exact_number(client, organization, customer):
    incident = filed(organization, customer)
    client.force_login(customer)

    def status(number):
        return client.get(reverse("incidents:detail", args=[number])).status_code

    assert status(incident.number) == 200
    assert status(incident.number.lower()) == 200
    assert status(f"INC-{NOW.year - 1}-{incident.pk:06d}") == 404  # another year: no such incident
    assert status(f"INC-{NOW.year}-0{incident.pk:06d}") == 404  # a zero too many
    assert status(f"INC-{NOW.year}-{incident.pk + 1:06d}") == 404
    assert status(str(incident.pk)) == 404
    assert status("INC-2026-" + "9" * 40) == 404  # not an error from the database
    assert status("INC-X") == 404


def test_the_customers_list_finds_an_incident_by_its_number_or_id(client, organization, customer):
    wanted = filed(organization, customer, title="Bin codes blank")
    filed(organization, customer, title="Something else")
    client.force_login(customer)
    for query in (wanted.number, wanted.number.lower(), str(wanted.pk), f"{wanted.pk:06d}"):
        page = client.get(reverse("incidents:list"), {"q": query}).context["page"]
        assert [i.title for i in page.object_list] == ["Bin codes blank"], query


@pytest.mark.parametrize("model", ["escalationevent", "escalationrequest"])
def test_the_escalation_lists_find_an_incidents_rows_by_its_number(admin_client, organization, customer, model):
    wanted = filed(organization, customer)
    other = filed(organization, customer)
    if model == "escalationevent":
        for incident in (wanted, other):
            EscalationEvent.objects.create(
                incident=incident, kind=EventKind.BREACH, title="Breach", due_at=NOW, fired_at=NOW
            )
    response = admin_client.get(reverse(f"admin:escalation_{model}_changelist"), {"q": wanted.number})
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert all(row.incident_id == wanted.pk for row in rows)
    if model == "escalationevent":
        assert len(rows) == 1
