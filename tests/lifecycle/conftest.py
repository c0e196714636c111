"""Complete CfMD data, built the way staff and the import build it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps

from cfmd.models import EvidenceKind, EvidenceRecord
from lifecycle.models import Compatibility, PlannedRelease, PolicyKind, Product, ProductVersion, ReleaseStatus
from lifecycle.services import (
    DATA_FILE,
    dynamics_lifecycle_import,
    dynamics_lifecycle_read,
    lifecycle_policy_update,
    roadmap_statement_review,
)
from sla.models import ChannelKind, SupportChannel

TODAY = dt.date(2026, 11, 23)


def publish_article(now: dt.datetime) -> bool:
    """Publish one knowledge base article if the knowledge base app has its model yet."""
    try:
        article = apps.get_model("knowledgebase", "Article")
        category = apps.get_model("knowledgebase", "Category")
    except LookupError:
        return False
    cat, _ = category.objects.get_or_create(slug="warehousing", defaults={"name": "Warehousing"})
    article.objects.create(
        title="Set up directed put-away",
        slug="set-up-directed-put-away",
        summary="How to set up directed put-away.",
        body="Steps.",
        category=cat,
        status="published",
        published_at=now,
    )
    return True


@pytest.fixture
def product(db):
    return Product.objects.create(code="contoso-advanced-warehousing", name="Contoso Advanced Warehousing")


@pytest.fixture
def dynamics(db, now):
    dynamics_lifecycle_import(rows=dynamics_lifecycle_read(DATA_FILE), now=now - dt.timedelta(days=400))
    from lifecycle.models import DynamicsProduct

    return {d.key: d for d in DynamicsProduct.objects.all()}


@pytest.fixture
def versions(product, dynamics):
    rows = {
        "11.0": ProductVersion.objects.create(
            product=product,
            version="11.0",
            policy=PolicyKind.FIXED,
            released_on=dt.date(2018, 1, 15),
            mainstream_end_on=dt.date(2023, 1, 10),
            extended_end_on=dt.date(2028, 1, 11),
        ),
        "28.0": ProductVersion.objects.create(
            product=product, version="28.0", policy=PolicyKind.MODERN, released_on=dt.date(2026, 4, 20)
        ),
        "29.0": ProductVersion.objects.create(
            product=product, version="29.0", policy=PolicyKind.MODERN, released_on=dt.date(2026, 10, 19)
        ),
    }
    Compatibility.objects.create(product_version=rows["11.0"], dynamics_product=dynamics["nav-2018"])
    Compatibility.objects.create(product_version=rows["28.0"], dynamics_product=dynamics["bc-onprem-v28"])
    Compatibility.objects.create(product_version=rows["29.0"], dynamics_product=dynamics["bc-onprem-v29"])
    return rows


@pytest.fixture
def complete_cfmd(db, now, sla, versions, product):
    """Everything CfMD asks for, current on TODAY."""
    from escalation.models import EscalationContact

    lifecycle_policy_update(
        policy_text="Fixed versions: mainstream then extended support. Modern: supported while current.",
        notice_period_months=12,
        dates_time_zone="America/Los_Angeles",
        now=now,
    )
    SupportChannel.objects.create(
        kind=ChannelKind.PORTAL, name="Support portal", address="https://support.example/", hours="24/7"
    )
    SupportChannel.objects.create(
        kind=ChannelKind.EMAIL, name="Email", address="support@contoso.example", hours="Mon–Fri 08:00–18:00 CET"
    )
    EscalationContact.objects.create(
        name="Maria Escalation",
        role="Head of Support",
        email="maria@contoso.example",
        phone="+45 55 55 01 99",
        hours="Mon–Fri 08:00–18:00 CET",
        is_public=True,
        verified_on=TODAY - dt.timedelta(days=30),
    )
    roadmap_statement_review(
        body="We follow Business Central's release waves.",
        reviewed_by="Mark Manager",
        reviewed_on=TODAY - dt.timedelta(days=40),
        now=now,
    )
    PlannedRelease.objects.create(
        product=product,
        wave="2027 release wave 1",
        version="30.0",
        planned_on=dt.date(2027, 4, 19),
        status=ReleaseStatus.PLANNED,
    )
    for kind in EvidenceKind.values:
        EvidenceRecord.objects.create(
            kind=kind,
            title=f"Current {kind}",
            agent="Someone",
            dated_on=TODAY - dt.timedelta(days=60),
            valid_until=TODAY + dt.timedelta(days=300),
            url=f"https://evidence.example/{kind}",
        )
    return {"has_kb": publish_article(now)}
