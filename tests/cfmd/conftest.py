"""Complete CfMD data, built the way staff and the import build it."""

from __future__ import annotations

import datetime as dt

import pytest

from cfmd.models import EvidenceKind, EvidenceRecord
from escalation.models import EscalationContact
from knowledgebase.models import Article, ArticleStatus, Category
from lifecycle.models import PlannedRelease, ReleaseStatus
from lifecycle.services import lifecycle_policy_update, roadmap_statement_review
from sla.models import ChannelKind, SupportChannel
from tests.lifecycle.conftest import TODAY, dynamics, product, versions

__all__ = ["TODAY", "dynamics", "product", "versions"]  # the registry fixtures, for the CfMD tests too


def publish_article(now: dt.datetime) -> Article:
    """Publish one knowledge base article."""
    category, _ = Category.objects.get_or_create(slug="warehousing", defaults={"name": "Warehousing"})
    return Article.objects.create(
        title="Set up directed put-away",
        slug="set-up-directed-put-away",
        summary="How to set up directed put-away.",
        body="Steps.",
        category=category,
        status=ArticleStatus.PUBLISHED,
        published_at=now,
    )


@pytest.fixture
def complete_cfmd(db, now, sla, versions, product):
    """Everything CfMD asks for, current on TODAY."""
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
    publish_article(now)
