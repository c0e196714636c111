"""Helpfulness and deflection of articles, for the admin.

An opened suggestion counts as deflected when no incident follows within the window: the
person's next incident marks it (`services.deflection_mark_submitted`) or is found here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from incidents.models import Incident
from knowledgebase.models import Article, ArticleVote, DeflectionEvent

# An opened suggestion counts as deflected when no incident follows within this time.
DEFLECTION_WINDOW = dt.timedelta(hours=1)


def _incident_followed():
    """An incident submitted by the same person within the window after opening."""
    return Exists(
        Incident.objects.filter(
            submitted_by_id=OuterRef("user_id"),
            submitted_at__gte=OuterRef("opened_at"),
            submitted_at__lte=OuterRef("opened_at") + DEFLECTION_WINDOW,
        )
    )


def deflection_events_classified(*, now: dt.datetime) -> QuerySet[DeflectionEvent]:
    """Events annotated with `is_deflected`: True once the window has passed without an
    incident (marked by `deflection_mark_submitted`, or found by the check at submission)."""
    pending_or_submitted = (
        Q(submitted_at__isnull=False) | Q(opened_at__gt=now - DEFLECTION_WINDOW) | Q(followed_by_incident=True)
    )
    return DeflectionEvent.objects.annotate(followed_by_incident=_incident_followed()).annotate(
        is_deflected=ExpressionWrapper(~pending_or_submitted, output_field=BooleanField())
    )


@dataclass(frozen=True)
class ArticleStats:
    helpful: int
    not_helpful: int
    suggestions_opened: int
    deflected: int


def article_stats(*, article_ids: list[int], now: dt.datetime) -> dict[int, ArticleStats]:
    """Helpfulness and deflection per article (two queries for any number of articles)."""
    votes = {
        row["article_id"]: row
        for row in ArticleVote.objects.filter(article_id__in=article_ids)
        .values("article_id")
        .annotate(yes=Count("pk", filter=Q(is_helpful=True)), no=Count("pk", filter=Q(is_helpful=False)))
    }
    events = {
        row["article_id"]: row
        for row in deflection_events_classified(now=now)
        .filter(article_id__in=article_ids)
        .values("article_id")
        .annotate(opened=Count("pk"), deflected=Count("pk", filter=Q(is_deflected=True)))
    }
    return {
        pk: ArticleStats(
            helpful=votes.get(pk, {}).get("yes", 0),
            not_helpful=votes.get(pk, {}).get("no", 0),
            suggestions_opened=events.get(pk, {}).get("opened", 0),
            deflected=events.get(pk, {}).get("deflected", 0),
        )
        for pk in article_ids
    }


def _count_of(qs: QuerySet) -> Coalesce:
    return Coalesce(Subquery(qs.values("article_id").annotate(n=Count("pk")).values("n")[:1]), Value(0))


def articles_with_stats(qs: QuerySet[Article], *, now: dt.datetime) -> QuerySet[Article]:
    """Annotate `votes_yes`, `votes_no`, `suggestions_opened` and `deflected` (for the admin list)."""
    votes = ArticleVote.objects.filter(article_id=OuterRef("pk"))
    events = deflection_events_classified(now=now).filter(article_id=OuterRef("pk"))
    return qs.annotate(
        votes_yes=_count_of(votes.filter(is_helpful=True)),
        votes_no=_count_of(votes.filter(is_helpful=False)),
        suggestions_opened=_count_of(events),
        deflected=_count_of(events.filter(is_deflected=True)),
    )
