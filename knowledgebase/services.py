"""Writes for the knowledge base: publishing, votes, deflection events, drafts from incidents."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.http import HttpRequest
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.public_version import public_version_bump
from incidents.models import Comment, Incident, Visibility
from knowledgebase.models import (
    Article,
    ArticleKind,
    ArticleStatus,
    ArticleVisibility,
    ArticleVote,
    Category,
    DeflectionEvent,
)

# The session key holding the token of the incident form the customer is filling in.
DEFLECTION_SESSION_KEY = "kb_incident_form_token"


class KnowledgeBaseError(DomainError):
    """A request the knowledge base cannot honour; the message is for the user."""


# --- Articles ---------------------------------------------------------------------------


def article_slug_unique(title: str, *, exclude_pk: int | None = None) -> str:
    base = (slugify(title) or "article")[:180]
    slug = base
    suffix = 2
    taken = Article.objects.exclude(pk=exclude_pk) if exclude_pk else Article.objects.all()
    while taken.filter(slug=slug).exists():
        slug = f"{base}-{suffix}"
        suffix += 1
    return slug


def article_stamp_publication(*, article: Article, now: dt.datetime) -> Article:
    """Before saving an edited article: a published one gets its `published_at` (once)."""
    if article.status == ArticleStatus.PUBLISHED and article.published_at is None:
        article.published_at = now
    return article


def article_publish(*, article: Article, now: dt.datetime) -> bool:
    """Publish a draft or archived article. False if it is already published."""
    if article.category_id is None:
        raise KnowledgeBaseError(_("Choose a category for “%(title)s” before publishing it.") % {"title": article})
    updated = (
        Article.objects.filter(pk=article.pk)
        .exclude(status=ArticleStatus.PUBLISHED)
        .update(status=ArticleStatus.PUBLISHED, published_at=article.published_at or now)
    )
    article.refresh_from_db(fields=["status", "published_at"])
    public_version_bump()  # a queryset update sends no post_save
    return bool(updated)


def article_archive(*, article: Article) -> bool:
    updated = (
        Article.objects.filter(pk=article.pk)
        .exclude(status=ArticleStatus.ARCHIVED)
        .update(status=ArticleStatus.ARCHIVED)
    )
    article.refresh_from_db(fields=["status"])
    public_version_bump()
    return bool(updated)


def article_mark_reviewed(*, article: Article, on: dt.date) -> None:
    Article.objects.filter(pk=article.pk).update(last_reviewed_on=on)
    article.last_reviewed_on = on
    public_version_bump()


# --- "Was this helpful?" ---------------------------------------------------------------


def article_vote(
    *, article: Article, user: AbstractBaseUser | None, session_key: str | None, is_helpful: bool, now: dt.datetime
) -> ArticleVote:
    """Record or change the one vote of a signed-in person, or of a visitor's session.

    Unique constraints make a second row impossible even for two concurrent requests; the
    loser of that race changes the winner's row instead.
    """
    if user is not None and user.is_authenticated:
        lookup: dict[str, object] = {"article": article, "user": user}
    elif session_key:
        lookup = {"article": article, "user": None, "session_key": session_key}
    else:
        raise KnowledgeBaseError(_("Your vote could not be recorded: please allow cookies for this site."))
    for _attempt in range(2):
        try:
            with transaction.atomic():
                vote, _created = ArticleVote.objects.update_or_create(
                    **lookup, defaults={"is_helpful": is_helpful, "voted_at": now}
                )
                return vote
        except IntegrityError:
            continue
    raise KnowledgeBaseError(_("Your vote could not be recorded; please try again."))


# --- Deflection -------------------------------------------------------------------------


def deflection_token(request: HttpRequest) -> str:
    """The token of the incident form this session is filling in (created on first use).

    Once the person has filed an incident after opening this token's suggestions, the
    suggestions are marked as followed by it and the next form gets a fresh token: the
    knowledge base reads the incident rows, the incident form calls nothing here.
    """
    token = request.session.get(DEFLECTION_SESSION_KEY)
    if token and deflection_mark_submitted(token=token, user=request.user):
        token = None
    if not token:
        token = secrets.token_hex(16)
        request.session[DEFLECTION_SESSION_KEY] = token
    return token


def deflection_open(*, request: HttpRequest, article: Article, token: str, now: dt.datetime) -> DeflectionEvent | None:
    """Record that a suggestion from the incident form was opened (once per article and form).

    Ignored unless `token` is this session's incident-form token, so links cannot be
    replayed or forged to inflate the numbers.
    """
    expected = request.session.get(DEFLECTION_SESSION_KEY)
    if not expected or not secrets.compare_digest(str(token), str(expected)):
        return None
    user = request.user if request.user.is_authenticated else None
    event, _created = DeflectionEvent.objects.get_or_create(
        article=article,
        token=expected,
        defaults={"user": user, "session_key": request.session.session_key or "", "opened_at": now},
    )
    return event


def deflection_mark_submitted(*, token: str, user: AbstractBaseUser | AnonymousUser) -> int:
    """The suggestions opened with `token` that `user` then filed an incident after did not
    deflect it: mark them with the incident's submission time. Returns the number marked."""
    if not user.is_authenticated:
        return 0
    opened = DeflectionEvent.objects.filter(token=token, submitted_at__isnull=True)
    first_opened = opened.order_by("opened_at").values("opened_at")[:1]
    filed_at = (
        Incident.objects.filter(submitted_by_id=user.pk, submitted_at__gte=Subquery(first_opened))
        .order_by("submitted_at")
        .values_list("submitted_at", flat=True)
        .first()
    )
    if filed_at is None:
        return 0
    return opened.update(submitted_at=filed_at)


# --- Drafts from incidents --------------------------------------------------------------


def article_create_from_incident(*, incident: Incident, by: AbstractBaseUser, now: dt.datetime) -> Article:
    """A draft article prefilled from an incident's title and its last public staff reply.

    The customer's own description is not copied: it may hold their data. An existing draft
    from the same incident is returned instead of a second one.
    """
    existing = (
        Article.objects.filter(source_incident=incident, status=ArticleStatus.DRAFT).order_by("-created_at").first()
    )
    if existing is not None:
        return existing
    reply = (
        Comment.objects.filter(incident=incident, visibility=Visibility.PUBLIC, is_staff_author=True)
        .order_by("-created_at", "-pk")
        .first()
    )
    solution = reply.body.strip() if reply else _("(Describe the solution.)")
    body = "\n\n".join(
        [
            "## " + _("Symptoms"),
            _("(Describe what the customer saw, without their data.)"),
            "## " + _("Solution"),
            solution,
        ]
    )
    troubleshooting = Category.objects.filter(slug="troubleshooting").first()
    with transaction.atomic():
        article = Article.objects.create(
            title=incident.title[:200],
            slug=article_slug_unique(incident.title),
            summary="",
            body=body,
            category=troubleshooting,
            kind=ArticleKind.TROUBLESHOOTING,
            status=ArticleStatus.DRAFT,
            visibility=ArticleVisibility.CUSTOMERS,
            language="en",
            source_incident=incident,
        )
        if incident.product_version_id:
            article.versions.add(incident.product_version_id)
            article.products.add(incident.product_version.product_id)
    return article
