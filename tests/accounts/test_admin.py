"""The customer side of the admin: contracts with incidents used and left, tokens read only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import ApiToken
from incidents.services import incident_mark_non_chargeable
from tests.conftest import NOW
from tests.factories import ContractFactory, OrganizationFactory, StaffFactory
from tests.incidents.test_admin_queue import file_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(db):
    return StaffFactory(username="mark.manager", group="Support managers")


def test_contracts_list_incidents_used_and_left(client, manager, organization, customer, engineer):
    contract = organization.contracts.get()
    first = file_incident(organization, customer)
    file_incident(organization, customer)
    incident_mark_non_chargeable(incident=first, reason="Product defect", by=engineer)
    client.force_login(manager)
    response = client.get(reverse("admin:accounts_contract_changelist"))
    row = next(c for c in response.context["cl"].result_list if c.pk == contract.pk)
    assert row.used == 1
    assert '<td class="field-incidents_left">999</td>' in response.content.decode()


def test_the_contract_list_costs_the_same_queries_for_any_number_of_rows(client, manager, sla):
    client.force_login(manager)
    url = reverse("admin:accounts_contract_changelist")
    for i in range(2):
        ContractFactory(organization=OrganizationFactory(name=f"Org {i}"))
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(2, 20):
        ContractFactory(organization=OrganizationFactory(name=f"Org {i}"))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_new_contract_left_without_an_allotment_is_prorated(client, manager, organization, sla):
    client.force_login(manager)
    response = client.post(
        reverse("admin:accounts_contract_add"),
        {
            "organization": organization.pk,
            "plan": sla["plans"]["premier"].pk,
            "starts_on": "2027-01-01",
            "ends_on": "2027-12-31",
            "incidents_allotted": "",
            "reference": "CT-2027",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert organization.contracts.get(reference="CT-2027").incidents_allotted == 6


def test_api_tokens_are_listed_without_their_hash_and_cannot_be_edited(client, customer_admin):
    from django.contrib.auth import get_user_model

    admin_user = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    token = ApiToken.objects.create(
        user=customer_admin, name="ERP sync", prefix="abc123", key_hash="f" * 64, created_at=NOW - dt.timedelta(days=1)
    )
    client.force_login(admin_user)
    listing = client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()
    assert "ERP sync" in listing
    detail = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk])).content.decode()
    assert "f" * 64 not in detail
    assert 'name="_save"' not in detail


def test_organisation_page_shows_contacts_and_history(client, manager, organization, customer):
    client.force_login(manager)
    page = client.get(reverse("admin:accounts_organization_change", args=[organization.pk])).content.decode()
    assert customer.email in page or str(customer.pk) in page
    history = client.get(reverse("admin:accounts_organization_history", args=[organization.pk]))
    assert history.status_code == 200


def test_an_engineer_who_changes_their_own_zone_sees_it_on_the_next_page(client, engineer):
    from accounts.models import StaffProfile

    engineer.is_superuser = True  # may edit staff profiles
    engineer.save()
    client.force_login(engineer)
    profile = StaffProfile.objects.get(user=engineer)
    response = client.post(
        reverse("admin:accounts_staffprofile_change", args=[profile.pk]),
        {"user": engineer.pk, "time_zone": "Asia/Tokyo", "phone": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.session["viewer_preferences"]["time_zone"] == "Asia/Tokyo"
