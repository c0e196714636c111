"""End-of-support notices: an organisation that runs a version (recorded, or named on its
incidents) hears 12 months, 6 months and 30 days before each end date, once, with the upgrade path."""

from __future__ import annotations

import datetime as dt

import pytest

from incidents.services import NewIncident, incident_create
from lifecycle.models import Product, ProductVersion
from notices.due import months_before
from notices.models import NoticeKind, NoticeSwitch, OrganizationVersion, SentNotice
from notices.services import notices_run
from notify.models import Delivery
from notify.rendering import email_render
from tests.factories import MemberFactory, OrganizationFactory, severity

NOW = dt.datetime(2026, 6, 1, 6, tzinfo=dt.UTC)


@pytest.fixture
def versions(db):
    product = Product.objects.create(code="caw", name="Contoso Advanced Warehousing")
    fixed = ProductVersion.objects.create(
        product=product,
        version="3.0",
        policy="fixed",
        released_on=dt.date(2022, 1, 1),
        mainstream_end_on=dt.date(2027, 10, 12),
        extended_end_on=dt.date(2029, 10, 9),
    )
    newer = ProductVersion.objects.create(
        product=product,
        version="4.0",
        policy="fixed",
        released_on=dt.date(2025, 1, 1),
        mainstream_end_on=dt.date(2030, 1, 8),
        extended_end_on=dt.date(2032, 1, 13),
    )
    modern_product = Product.objects.create(code="cloud", name="Contoso Cloud Connector")
    modern = ProductVersion.objects.create(
        product=modern_product,
        version="24.3",
        policy="modern",
        released_on=dt.date(2024, 3, 1),
        mainstream_end_on=dt.date(2027, 3, 31),
    )
    return {"fixed": fixed, "newer": newer, "modern": modern}


@pytest.fixture(autouse=True)
def _only_end_of_support(db):
    """The organisation's contract is left out: its plan notices have their own tests."""
    NoticeSwitch.objects.exclude(kind__startswith="eos_").update(is_enabled=False)


def run(day: dt.date):
    return [(o.due.kind, o.due.organization_name, o.is_late) for o in notices_run(today=day, now=NOW)]


def test_a_fixed_version_is_walked_through_its_end_of_support_dates(organization, contacts, versions):
    OrganizationVersion.objects.create(organization=organization, product_version=versions["fixed"])
    org = organization.name
    mainstream, extended = dt.date(2027, 10, 12), dt.date(2029, 10, 9)
    days = {
        dt.date(2026, 10, 12): NoticeKind.EOS_12M,
        months_before(mainstream, 6): NoticeKind.EOS_6M,
        mainstream - dt.timedelta(days=30): NoticeKind.EOS_30D,
        dt.date(2028, 10, 9): NoticeKind.EOS_12M,
        months_before(extended, 6): NoticeKind.EOS_6M,
        extended - dt.timedelta(days=30): NoticeKind.EOS_30D,
    }
    for day, kind in days.items():
        assert run(day) == [(kind, org, False)]
        assert run(day) == []
    notices = SentNotice.objects.order_by("pk")
    assert [(n.kind, n.anchor_on) for n in notices] == [
        (kind, mainstream if i < 3 else extended) for i, kind in enumerate(days.values())
    ]
    for notice in notices:
        # End of support goes to the support contact only (Olivia, in German).
        assert list(Delivery.objects.filter(key=f"notice:{notice.pk}").values_list("language", flat=True)) == ["de"]


def test_the_notice_names_the_supported_upgrade_path(organization, contacts, versions):
    OrganizationVersion.objects.create(organization=organization, product_version=versions["fixed"])
    run(dt.date(2028, 10, 9))
    delivery = Delivery.objects.get(key__startswith="notice:")
    assert delivery.context["upgrade_path"] == [{"version": "4.0", "ends_on": "2032-01-13"}]
    assert delivery.context["milestone"] == "extended"
    rendered = email_render(template=delivery.template, context=delivery.context, language="en", time_zone="UTC")
    assert "Contoso Advanced Warehousing 4.0" in rendered.text
    assert "9 October 2029" in rendered.subject


def test_a_modern_version_warns_before_its_servicing_end(organization, contacts, versions):
    OrganizationVersion.objects.create(organization=organization, product_version=versions["modern"])
    assert run(dt.date(2026, 3, 31)) == [(NoticeKind.EOS_12M, organization.name, False)]
    assert run(dt.date(2027, 3, 1)) == [(NoticeKind.EOS_30D, organization.name, False)]
    assert SentNotice.objects.filter(kind=NoticeKind.EOS_30D).get().subject.endswith(":servicing")


def test_the_versions_named_on_an_organisations_incidents_count(organization, contacts, customer, versions):
    other = OrganizationFactory(name="Northwind Traders GmbH")
    MemberFactory(organization=other, email="nils.admin@northwind.example", role="admin")
    incident_create(
        organization=organization,
        submitted_by=customer,
        data=NewIncident(
            title="Slow", description="x", severity=severity("C"), product_version_id=versions["fixed"].pk
        ),
        now=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
    )
    assert run(dt.date(2026, 10, 12)) == [(NoticeKind.EOS_12M, organization.name, False)]


def test_after_an_outage_only_the_latest_notice_is_sent_late(organization, contacts, versions):
    OrganizationVersion.objects.create(organization=organization, product_version=versions["fixed"])
    # Not run between 12 and 1 month before the mainstream end: one notice, the 30-day one, late.
    assert run(dt.date(2027, 9, 20)) == [(NoticeKind.EOS_30D, organization.name, True)]
    assert run(dt.date(2027, 9, 21)) == []
