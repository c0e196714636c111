"""The history every recorded model keeps (`core.history.HistoricalRecords`): simple-history's,
with its manager class built once instead of on every record written."""

from __future__ import annotations

import pytest

from core.history import HistoryManager
from sla.models import Severity, SupportPlan

pytestmark = pytest.mark.django_db


def test_every_read_of_a_models_history_shares_one_manager_class(sla):
    plans = list(SupportPlan.objects.all()[:2])
    first, second = (plan.history for plan in plans)
    assert type(first) is type(second)
    assert isinstance(first, HistoryManager)
    assert type(Severity.objects.first().history) is type(first)  # the class holds no model


def test_each_manager_still_reads_its_own_instances_records(sla):
    plan, other = SupportPlan.objects.all()[:2]
    plan.name = "Renamed once"
    plan.save()
    plan.name = "Renamed twice"
    plan.save()
    assert [r.name for r in plan.history.order_by("history_id")][-2:] == ["Renamed once", "Renamed twice"]
    assert all(r.id == plan.pk for r in plan.history.all())
    assert all(r.id == other.pk for r in other.history.all())
    assert SupportPlan.history.filter(name="Renamed twice").count() == 1  # every plan's records
    assert Severity.history.filter(name="Renamed twice").count() == 0
