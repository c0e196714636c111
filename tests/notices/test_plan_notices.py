"""Plan notices: a contract's life (welcome, renewal reminder at -60 days, lapse at +35 and
+180 days), each e-mail once, in each contact's language, also late and when the job runs twice."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Contract, Membership, prorated_allotment
from notices.models import NoticeKind, NoticeSwitch, SentNotice
from notices.services import notices_run
from notify.models import Delivery
from notify.rendering import email_render
from tests.factories import ContractFactory

NOW = dt.datetime(2026, 1, 1, 6, tzinfo=dt.UTC)  # the contract: 2026-01-01 to 2026-12-31


def run(day: dt.date):
    return [(o.due.kind, o.status, o.is_late) for o in notices_run(today=day, now=NOW)]


def kinds_sent() -> list[str]:
    return list(SentNotice.objects.order_by("pk").values_list("kind", flat=True))


def test_a_contract_is_walked_through_its_life_each_notice_once(organization, contacts):
    life = [
        (dt.date(2026, 1, 1), NoticeKind.WELCOME),
        (dt.date(2026, 11, 1), NoticeKind.RENEWAL),  # 60 days before 31 December
        (dt.date(2026, 12, 31), None),
        (dt.date(2027, 2, 4), NoticeKind.LAPSED_35),
        (dt.date(2027, 6, 29), NoticeKind.LAPSED_180),
    ]
    for day, kind in life:
        first, again = run(day), run(day)
        assert first == ([(kind, "sent", False)] if kind else [])
        assert again == []  # the job ran twice that day: nothing twice
    assert kinds_sent() == [NoticeKind.WELCOME, NoticeKind.RENEWAL, NoticeKind.LAPSED_35, NoticeKind.LAPSED_180]
    for notice in SentNotice.objects.all():
        deliveries = Delivery.objects.filter(key=f"notice:{notice.pk}")
        assert {d.to: d.language for d in deliveries} == contacts
    # Every day of the life once more sends nothing.
    day = dt.date(2026, 1, 1)
    while day <= dt.date(2027, 8, 1):
        assert run(day) == []
        day += dt.timedelta(days=1)
    assert SentNotice.objects.count() == 4


def test_each_contact_reads_the_notice_in_their_language(organization, contacts):
    run(dt.date(2026, 11, 1))
    rendered = {}
    for delivery in Delivery.objects.filter(key__startswith="notice:"):
        rendered[delivery.language] = email_render(
            template=delivery.template,
            context=delivery.context,
            language=delivery.language,
            time_zone=delivery.time_zone,
        )
    assert rendered["de"].subject == "Ihr Supportplan Professional Direct endet am 31. Dezember 2026"
    assert rendered["ja"].subject == "Professional Direct サポートプランは 2026年12月31日 に終了します"
    assert "Professional Direct" in rendered["de"].text
    assert "support@example.com" in rendered["ja"].text  # how to renew: the ISV's address


def test_a_job_that_did_not_run_for_weeks_sends_the_missed_notice_once_marked_late(organization, contacts):
    assert run(dt.date(2026, 11, 20)) == [(NoticeKind.RENEWAL, "sent", True)]
    assert run(dt.date(2026, 11, 21)) == []
    assert SentNotice.objects.get().is_late


def test_after_a_long_outage_only_the_latest_notice_of_a_series_is_sent(organization, contacts):
    # The job last ran before the end; it comes back 200 days after it: not +35 and +180, only +180.
    assert run(dt.date(2027, 7, 19)) == [(NoticeKind.LAPSED_180, "sent", True)]
    assert kinds_sent() == [NoticeKind.LAPSED_180]


def test_a_notice_whose_window_has_passed_is_not_sent(organization, contacts):
    assert run(dt.date(2028, 6, 1)) == []


def test_a_contract_whose_end_moves_gets_the_reminder_of_its_new_date(organization, contacts):
    contract = Contract.objects.get(organization=organization)
    assert run(dt.date(2026, 11, 1)) == [(NoticeKind.RENEWAL, "sent", False)]
    Contract.objects.filter(pk=contract.pk).update(ends_on=dt.date(2027, 3, 31))
    assert run(dt.date(2026, 11, 2)) == []
    assert run(dt.date(2027, 1, 30)) == [(NoticeKind.RENEWAL, "sent", False)]
    assert sorted(SentNotice.objects.values_list("anchor_on", flat=True)) == [
        dt.date(2026, 12, 31),
        dt.date(2027, 3, 31),
    ]


def test_a_renewed_contract_gets_no_reminder_or_lapse_and_its_successor_a_welcome(organization, contacts):
    contract = Contract.objects.get(organization=organization)
    ContractFactory(
        organization=organization, plan=contract.plan, starts_on=dt.date(2027, 1, 1), ends_on=dt.date(2027, 12, 31)
    )
    assert run(dt.date(2026, 11, 1)) == []
    assert run(dt.date(2027, 1, 1)) == [(NoticeKind.WELCOME, "sent", False)]
    assert run(dt.date(2027, 2, 4)) == []


def test_an_upgrade_is_confirmed_with_its_prorated_allotment(organization, contacts, sla):
    contract = Contract.objects.get(organization=organization)
    run(dt.date(2026, 1, 1))
    # An upgrade as the admin records it: the old term ends, a new contract names it `upgraded_from`.
    Contract.objects.filter(pk=contract.pk).update(ends_on=dt.date(2026, 6, 30))
    upgraded = ContractFactory(
        organization=organization,
        plan=sla["plans"]["premier"],
        starts_on=dt.date(2026, 7, 1),
        ends_on=dt.date(2026, 12, 31),
        incidents_allotted=prorated_allotment(184),
        upgraded_from=contract,
    )
    assert run(dt.date(2026, 7, 1)) == [(NoticeKind.UPGRADE, "sent", False)]
    notice = SentNotice.objects.get(kind=NoticeKind.UPGRADE)
    delivery = Delivery.objects.filter(key=f"notice:{notice.pk}", language="de").get()
    assert delivery.context["allotted"] == upgraded.incidents_allotted == 3
    assert delivery.context["previous_plan"] == contract.plan.name
    # The replaced contract now ends on 30 June, but it has a successor: no lapse notices.
    assert run(dt.date(2026, 8, 4)) == []


def test_a_switched_off_kind_is_not_sent(organization, contacts):
    NoticeSwitch.objects.filter(kind=NoticeKind.WELCOME).update(is_enabled=False)
    assert run(dt.date(2026, 1, 1)) == []
    NoticeSwitch.objects.filter(kind=NoticeKind.WELCOME).update(is_enabled=True)
    assert run(dt.date(2026, 1, 2)) == [(NoticeKind.WELCOME, "sent", True)]


def test_without_contacts_the_admins_hear_and_without_anyone_nothing_is_recorded(organization, customer_admin):
    assert run(dt.date(2026, 1, 1)) == [(NoticeKind.WELCOME, "sent", False)]
    assert SentNotice.objects.get().recipients == [customer_admin.email]
    Membership.objects.filter(user=customer_admin).update(is_active=False)
    assert run(dt.date(2026, 11, 1)) == [(NoticeKind.RENEWAL, "no recipient", False)]
    assert SentNotice.objects.count() == 1


def test_a_dry_run_records_and_sends_nothing(organization, contacts):
    outcomes = notices_run(today=dt.date(2026, 1, 1), now=NOW, dry_run=True)
    assert [o.status for o in outcomes] == ["would send"]
    assert not SentNotice.objects.exists()
    assert not Delivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_notice_once(organization, contacts):
    """On PostgreSQL two threads run the job at the same moment; SQLite runs them one after the other."""
    import threading

    from django.db import connection

    day = dt.date(2026, 1, 1)
    results: list[list[str]] = []
    if connection.vendor != "postgresql":
        results = [[o.status for o in notices_run(today=day, now=NOW)] for _ in range(2)]
    else:
        start = threading.Barrier(2)

        def work():
            try:
                start.wait()
                results.append([o.status for o in notices_run(today=day, now=NOW)])
            finally:
                connection.close()

        threads = [threading.Thread(target=work) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert len(results) == 2  # both jobs finished without an error
    assert SentNotice.objects.count() == 1
    assert Delivery.objects.filter(key__startswith="notice:").count() == 2
    assert sorted(s for r in results for s in r) in (["sent"], ["sent", "sent by another job"])


def test_a_short_contract_gets_its_welcome_and_its_reminder_on_the_same_day(organization, contacts):
    Contract.objects.filter(organization=organization).update(ends_on=dt.date(2026, 2, 15))
    assert run(dt.date(2026, 1, 1)) == [(NoticeKind.WELCOME, "sent", False), (NoticeKind.RENEWAL, "sent", True)]


def test_when_another_job_records_the_notice_first_the_unique_constraint_stops_this_one(
    organization, contacts, monkeypatch
):
    """Someone else got there first: between this job's read of what was sent and its insert,
    another job records the same notice. The insert fails and no e-mail is written."""
    from notices import services

    real = services.notice_recipients

    def other_job_first(organization_id, *, kind):
        SentNotice.objects.create(
            kind=kind,
            organization_id=organization_id,
            subject=f"contract:{Contract.objects.get(organization=organization).pk}",
            anchor_on=dt.date(2026, 1, 1),
            due_on=dt.date(2026, 1, 1),
            sent_on=dt.date(2026, 1, 1),
            created_at=NOW,
        )
        return real(organization_id, kind=kind)

    monkeypatch.setattr(services, "notice_recipients", other_job_first)
    assert run(dt.date(2026, 1, 1)) == [(NoticeKind.WELCOME, "sent by another job", False)]
    assert SentNotice.objects.count() == 1
    assert not Delivery.objects.exists()
