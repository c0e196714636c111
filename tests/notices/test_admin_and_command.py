"""The admin's sent log, previews, switches and the list of organisations without a support
contact; `manage.py customer_notices`."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from notices.models import NoticeKind, NoticeSwitch, SentNotice
from tests.factories import OrganizationFactory, StaffFactory


@pytest.fixture
def manager(db):
    return StaffFactory(username="mark.manager", group="Support managers")


def notices(*args) -> str:
    out = StringIO()
    call_command("customer_notices", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_one_line_per_notice_and_a_dry_run_sends_nothing(organization, contacts, customer_admin):
    dry = notices("--date", "2026-11-01", "--dry-run")
    assert dry.splitlines() == [
        f"renewal\tFabrikam Inc.\tcarl.contact@fabrikam.example, {customer_admin.email}\twould send"
    ]
    assert not SentNotice.objects.exists()
    assert notices("--date", "2026-11-03").splitlines() == [
        f"renewal (late)\tFabrikam Inc.\tcarl.contact@fabrikam.example, {customer_admin.email}\tsent"
    ]
    assert notices("--date", "2026-11-03") == "No notices due on 2026-11-03.\n"


def test_the_command_refuses_a_malformed_date(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        notices("--date", "1 November")


def test_a_manager_reads_the_sent_log_with_its_filters(client, manager, organization, contacts):
    notices("--date", "2026-01-01")
    client.force_login(manager)
    url = reverse("admin:notices_sentnotice_changelist")
    page = client.get(url, {"kind": "welcome", "is_late__exact": "0"}).content.decode()
    assert "Fabrikam Inc." in page
    assert "Fabrikam Inc." not in client.get(url, {"kind": "renewal"}).content.decode()


def test_a_manager_previews_every_template_in_every_language(client, manager):
    client.force_login(manager)
    assert client.get(reverse("admin:notices_preview")).status_code == 200
    for template in ("welcome", "upgrade", "renewal", "lapsed", "end_of_support"):
        for language in ("en", "de", "da", "ja"):
            response = client.get(reverse("admin:notices_preview_one", args=[template, language]))
            assert response.status_code == 200, (template, language)
    page = client.get(reverse("admin:notices_preview_one", args=["renewal", "de"])).content.decode()
    assert "31. Dezember 2027" in page
    assert client.get(reverse("admin:notices_preview_one", args=["nope", "de"])).status_code == 404


def test_a_manager_switches_a_kind_off(client, manager):
    client.force_login(manager)
    switch = NoticeSwitch.objects.get(kind=NoticeKind.LAPSED_180)
    url = reverse("admin:notices_noticeswitch_changelist")
    rows = list(NoticeSwitch.objects.order_by("kind"))
    data = {"form-TOTAL_FORMS": len(rows), "form-INITIAL_FORMS": len(rows), "_save": "Save"}
    for i, row in enumerate(rows):
        data[f"form-{i}-id"] = row.pk
        if row.pk != switch.pk:
            data[f"form-{i}-is_enabled"] = "on"
    assert client.post(url, data).status_code == 302
    assert list(NoticeSwitch.objects.filter(is_enabled=False).values_list("kind", flat=True)) == ["lapsed_180"]


def test_organisations_without_a_reachable_support_contact_are_listed(client, manager, organization, contacts):
    OrganizationFactory(name="Litware Ltd")
    client.force_login(manager)
    page = client.get(reverse("admin:notices_organizationwithoutsupportcontact_changelist")).content.decode()
    assert "Litware Ltd" in page
    assert "Fabrikam Inc." not in page


def test_an_engineer_reads_the_log_but_cannot_switch(client, engineer):
    client.force_login(engineer)
    assert client.get(reverse("admin:notices_sentnotice_changelist")).status_code == 200
    switch = NoticeSwitch.objects.first()
    client.post(reverse("admin:notices_noticeswitch_change", args=[switch.pk]), {"is_enabled": ""})
    switch.refresh_from_db()
    assert switch.is_enabled


def test_the_beat_task_runs_the_job_for_today(organization, contacts, settings):
    import time_machine

    from notices import tasks

    assert settings.CELERY_BEAT_SCHEDULE["customer-notices"]["task"] == tasks.run.name
    with time_machine.travel(dt.datetime(2026, 1, 1, 6, tzinfo=dt.UTC)):
        assert tasks.run() == 1
        assert tasks.run() == 0
