"""Entitlements: which contract a submission consumes (row-locked), the allotment prorated
from the term, and an allotment never overdrawn by concurrent submissions."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.entitlements import (
    AllotmentExhausted,
    NoActiveContract,
    contract_active_lock,
    contract_for_submission,
    contract_incidents_used,
)
from accounts.models import Contract, prorated_allotment
from incidents.models import Incident
from incidents.services import NewIncident, incident_create
from incidents.services.customer import incident_submit
from tests.conftest import NOW
from tests.factories import ContractFactory, severity

pytestmark = pytest.mark.django_db

DAY = NOW.date()


@pytest.mark.parametrize(
    ("day", "which"),
    [
        (dt.date(2025, 12, 31), None),
        (dt.date(2026, 1, 1), "first"),
        (dt.date(2026, 5, 31), "first"),
        (dt.date(2026, 6, 1), "later"),  # two terms overlap: the one that starts last
        (DAY, "later"),
        (dt.date(2026, 12, 31), "later"),
        (dt.date(2027, 1, 1), None),
    ],
)
def test_the_lock_finds_the_contract_in_force_in_one_query(organization, sla, day, which, django_assert_num_queries):
    first = Contract.objects.select_related("plan").get(organization=organization)
    later = ContractFactory(
        organization=organization, plan=sla["plans"]["premier"], starts_on=dt.date(2026, 6, 1), ends_on=first.ends_on
    )
    with transaction.atomic(), django_assert_num_queries(1):
        contract = contract_active_lock(organization_id=organization.pk, day=day)
        if which is None:
            assert contract is None
            return
        assert contract == {"first": first, "later": later}[which]
        assert contract.plan_id == {"first": first, "later": later}[which].plan_id


def test_the_lock_is_a_row_lock_on_the_contract_only(organization, sla):
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        contract_active_lock(organization_id=organization.pk, day=DAY)
    [sql] = [q["sql"] for q in queries.captured_queries]
    if connection.features.has_select_for_update_of:
        assert sql.endswith('FOR UPDATE OF "accounts_contract"'), sql
    else:
        assert "FOR UPDATE" not in sql  # SQLite: writers are serialised by BEGIN IMMEDIATE


def test_the_usage_counts_the_chargeable_incidents_of_the_contract_only(organization, customer, sla):
    contract = Contract.objects.get(organization=organization)
    data = NewIncident(title="Count", description="x", severity=severity("C"), product_text="CAW")
    for _ in range(3):
        incident_create(organization=organization, submitted_by=customer, data=data, now=NOW)
    Incident.objects.filter(pk=Incident.objects.order_by("pk").first().pk).update(is_chargeable=False)
    assert contract_incidents_used(contract) == 2
    other = ContractFactory(organization=organization, starts_on=dt.date(2027, 1, 1), ends_on=dt.date(2027, 12, 31))
    assert contract_incidents_used(other) == 0


def test_an_allotment_is_prorated_from_the_term():
    assert prorated_allotment(365) == 6
    assert prorated_allotment(59) == 1  # never fewer than one
    assert prorated_allotment(120) == 2


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
