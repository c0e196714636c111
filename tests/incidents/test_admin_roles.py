"""Roles as groups from the migration: engineers, leads and managers."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.conftest import NOW
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

SLA_POLICY = ["supportplan", "severity", "responsetarget", "supportregion", "openinginterval", "dateexception"]


@pytest.fixture
def manager(db):
    return StaffFactory(username="mark.manager", group="Support managers")


def test_the_migration_creates_the_three_groups_with_permissions():
    for name in ("Support engineers", "Support leads", "Support managers"):
        assert Group.objects.get(name=name).permissions.exists()


@pytest.mark.parametrize("model", SLA_POLICY)
def test_engineers_read_but_cannot_change_the_sla_policy(engineer, lead, model):
    assert engineer.has_perm(f"sla.view_{model}")
    assert not engineer.has_perm(f"sla.change_{model}")
    assert not engineer.has_perm(f"sla.add_{model}")
    assert lead.has_perm(f"sla.change_{model}")
    assert lead.has_perm(f"sla.add_{model}")


def test_engineers_work_incidents(engineer):
    assert engineer.has_perm("incidents.change_incident")
    assert engineer.has_perm("incidents.add_comment")
    assert not engineer.has_perm("incidents.delete_incident")
    assert not engineer.has_perm("accounts.change_contract")


def test_leads_manage_every_escalation_model_present(engineer, lead):
    models = list(apps.get_app_config("escalation").get_models())
    assert models
    for model in models:
        name = model._meta.model_name
        assert lead.has_perm(f"escalation.change_{name}"), name
        assert engineer.has_perm(f"escalation.view_{name}"), name
        assert not engineer.has_perm(f"escalation.change_{name}"), name


def test_managers_also_manage_contracts(lead, manager):
    assert manager.has_perm("accounts.change_contract")
    assert manager.has_perm("accounts.add_contract")
    assert manager.has_perm("sla.change_responsetarget")
    assert not lead.has_perm("accounts.change_contract")


def test_an_engineer_cannot_open_the_contract_editor_but_a_manager_can(client, engineer, manager, organization):
    contract = organization.contracts.get()
    url = reverse("admin:accounts_contract_change", args=[contract.pk])
    client.force_login(engineer)
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # read only for engineers
    assert client.post(url, {"reference": "X"}).status_code == 403
    client.force_login(manager)
    assert 'name="_save"' in client.get(url).content.decode()


def test_managers_see_the_api_token_list_but_engineers_do_not(client, engineer, manager):
    url = reverse("admin:accounts_apitoken_changelist")
    client.force_login(engineer)
    assert client.get(url).status_code == 403
    client.force_login(manager)
    assert client.get(url).status_code == 200


def test_engineers_read_the_answers_by_email_but_change_none(client, engineer):
    from incidents.models import InboundMessage, InboundOutcome

    InboundMessage.objects.create(
        message_key="<a@b>",
        outcome=InboundOutcome.SKIPPED,
        sender="x@y.example",
        reason="no text part",
        received_at=NOW,
    )
    client.force_login(engineer)
    page = client.get(reverse("admin:incidents_inboundmessage_changelist"))
    assert page.status_code == 200
    assert b"no text part" in page.content
    assert not engineer.has_perm("incidents.change_inboundmessage")
