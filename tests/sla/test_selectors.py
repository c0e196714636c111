"""sla_matrix(as_of) and the support channels: the one plan × severity matrix, live or as it
stood at a past moment."""

from __future__ import annotations

import datetime as dt

import pytest

from core.history import moment_for
from sla.models import ChannelKind, ResponseTarget, SupportChannel
from sla.selectors import channel_href, sla_matrix, support_channels

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 2, 1, 10, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)


def change_target(target: ResponseTarget, minutes: int, when: dt.datetime) -> None:
    target.minutes = minutes
    target._history_date = when
    target.save()


def cells_by_code(matrix) -> dict:
    return {
        (severity.code, plan.code): cell
        for severity, cells in matrix.rows
        for plan, cell in zip(matrix.plans, cells, strict=True)
    }


def test_the_live_matrix_has_every_seeded_target_in_display_order(sla, django_assert_num_queries):
    with django_assert_num_queries(3):
        matrix = sla_matrix()
    assert matrix.plans == sorted(matrix.plans, key=lambda p: (p.display_order, p.code))
    assert matrix.severities == sorted(matrix.severities, key=lambda s: (s.display_order, s.code))
    assert [s.code for s, _ in matrix.rows] == [s.code for s in matrix.severities]
    cells = cells_by_code(matrix)
    assert all(cell.target is not None and not cell.is_unknown for cell in cells.values())
    assert not matrix.has_unknown


def test_a_missing_target_is_an_empty_cell(sla):
    ResponseTarget.objects.filter(plan=sla["plans"]["premier"], severity=sla["severities"]["C"]).delete()
    cell = cells_by_code(sla_matrix())[("C", "premier")]
    assert cell.target is None
    assert not cell.is_unknown


def test_the_matrix_as_of_reads_the_history(sla):
    target = ResponseTarget.objects.get(plan=sla["plans"]["premier"], severity=sla["severities"]["A"])
    change_target(target, 45, AT)
    change_target(target, 30, LATER)
    then = cells_by_code(sla_matrix(moment_for(dt.date(2026, 3, 1))))
    assert then[("A", "premier")].target.minutes == 45
    assert then[("B", "premier")].target.minutes == 120  # never changed: no history, current value
    assert cells_by_code(sla_matrix())[("A", "premier")].target.minutes == 30


def test_a_target_changed_only_later_is_unknown_before_its_first_change(sla):
    target = ResponseTarget.objects.get(plan=sla["plans"]["premier"], severity=sla["severities"]["A"])
    change_target(target, 45, AT)
    matrix = sla_matrix(moment_for(dt.date(2026, 1, 15)))
    cell = cells_by_code(matrix)[("A", "premier")]
    assert cell.target is None
    assert cell.is_unknown
    assert matrix.has_unknown


def test_support_channels_are_the_active_ones_in_display_order(db):
    SupportChannel.objects.create(kind=ChannelKind.EMAIL, name="Email", address="s@x.example", display_order=2)
    SupportChannel.objects.create(kind=ChannelKind.PORTAL, name="Portal", address="/", display_order=1)
    SupportChannel.objects.create(kind=ChannelKind.PHONE, name="Old", address="+1", is_active=False)
    assert [c.name for c in support_channels()] == ["Portal", "Email"]


@pytest.mark.parametrize(
    ("kind", "address", "href"),
    [
        (ChannelKind.EMAIL, "support@x.example", "mailto:support@x.example"),
        (ChannelKind.PHONE, "+45 55 55 01 99", "tel:+4555550199"),
        (ChannelKind.PORTAL, "https://support.example/", "https://support.example/"),
        (ChannelKind.PORTAL, "the portal", ""),
    ],
)
def test_channel_href(kind, address, href):
    assert channel_href(SupportChannel(kind=kind, address=address)) == href
