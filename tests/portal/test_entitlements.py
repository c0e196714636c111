"""Entitlements: which contract a submission consumes (locked by a hand-written query),
the allotment prorated from the term, and an allotment never overdrawn by concurrent
submissions."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection, transaction

from accounts.entitlements import (
    AllotmentExhausted,
    EntitlementError,
    NoActiveContract,
    contract_active_lock,
    contract_for_submission,
    contract_incidents_used,
    contract_upgrade,
)
from accounts.models import Contract, prorated_allotment
from incidents.models import Incident
from incidents.services import NewIncident, incident_submit
from tests.conftest import NOW
from tests.factories import ContractFactory, severity

pytestmark = pytest.mark.django_db

DAY = NOW.date()


def orm_contract(organization, day):
    """What the lock loaded before its query was written by hand."""
    return (
        Contract.objects.active_on(day)
        .filter(organization=organization)
        .select_related("plan")
        .order_by("-starts_on", "-pk")
        .first()
    )


def field_values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


@pytest.mark.parametrize(
    "day", [dt.date(2025, 12, 31), dt.date(2026, 1, 1), DAY, dt.date(2026, 12, 31), dt.date(2027, 1, 1)]
)
def test_the_lock_loads_what_the_orm_loads_on_any_day(organization, sla, day, django_assert_num_queries):
    ContractFactory(organization=organization, starts_on=dt.date(2026, 6, 1), ends_on=dt.date(2026, 12, 31))
    expected = orm_contract(organization, day)
    with transaction.atomic(), django_assert_num_queries(1):
        contract = contract_active_lock(organization_id=organization.pk, day=day)
        if expected is None:
            assert contract is None
            return
        assert field_values(contract) == field_values(expected)
        assert field_values(contract.plan) == field_values(expected.plan)  # no query: loaded with it
        assert contract._state.adding is False


def test_after_an_upgrade_the_new_contract_is_the_one_in_force(organization, sla):
    old = Contract.objects.get(organization=organization)
    new = contract_upgrade(contract=old, plan=sla["plans"]["premier"], on=dt.date(2026, 9, 1))
    with transaction.atomic():
        assert contract_active_lock(organization_id=organization.pk, day=DAY).pk == new.pk
        assert contract_active_lock(organization_id=organization.pk, day=dt.date(2026, 8, 31)) is None
    assert orm_contract(organization, dt.date(2026, 8, 31)) is None  # the old one ended the day before


def test_the_lock_is_a_row_lock_on_the_contract_only():
    from accounts.entitlements import _contract_lock_sql

    text = _contract_lock_sql("default")
    if connection.features.has_select_for_update_of:
        assert text.endswith(" FOR UPDATE OF c")
    else:
        assert "FOR UPDATE" not in text  # SQLite: writers are serialised by BEGIN IMMEDIATE


def test_an_allotment_is_prorated_from_the_term():
    assert prorated_allotment(365) == 6
    assert prorated_allotment(59) == 1  # never fewer than one
    assert prorated_allotment(120) == 2


def test_an_upgrade_prorates_the_remaining_days_and_keeps_what_was_used(organization, customer, sla):
    old = Contract.objects.get(organization=organization)
    new = contract_upgrade(contract=old, plan=sla["plans"]["premier"], on=dt.date(2026, 11, 2))
    old.refresh_from_db()
    assert old.ends_on == dt.date(2026, 11, 1)
    assert (new.starts_on, new.ends_on) == (dt.date(2026, 11, 2), dt.date(2026, 12, 31))
    assert new.incidents_allotted == prorated_allotment(60) == 1
    with pytest.raises(EntitlementError, match="Only an active contract"):
        contract_upgrade(contract=old, plan=sla["plans"]["premier"], on=DAY)


def test_no_contract_or_none_left_says_why(organization, other_organization):
    Contract.objects.filter(organization=other_organization).delete()
    with transaction.atomic(), pytest.raises(NoActiveContract, match="has no support contract"):
        contract_for_submission(organization=other_organization, day=DAY)
    with transaction.atomic(), pytest.raises(NoActiveContract, match="ended on 31 December 2026"):
        contract_for_submission(organization=organization, day=dt.date(2027, 1, 5))
    Contract.objects.filter(organization=organization).update(incidents_allotted=0)
    with transaction.atomic(), pytest.raises(AllotmentExhausted, match="used all 0 incidents"):
        contract_for_submission(organization=organization, day=DAY)


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_never_overdraw_the_allotment(organization, customer, colleague):
    """Two contacts submit at once for the contract's last incident: one gets it, the
    other is told that none is left. Each thread has its own database connection."""
    contract = Contract.objects.get(organization=organization)
    Contract.objects.filter(pk=contract.pk).update(incidents_allotted=1)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def submit(user):
        try:
            start.wait()
            incident_submit(
                organization=organization,
                submitted_by=user,
                data=NewIncident(title="Race", description="x", severity=severity("C"), product_text="CAW"),
                submission_token=uuid.uuid4(),
                now=NOW,
            )
            outcomes.append("filed")
        except AllotmentExhausted:
            outcomes.append("none left")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(user,)) for user in (customer, colleague)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["filed", "none left"]
    assert Incident.objects.filter(contract=contract).count() == 1
    assert contract_incidents_used(contract) == 1
