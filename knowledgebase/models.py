"""Knowledge-base articles and FAQs, their categories, votes and deflection events.

Full-text search on PostgreSQL reads `Article.search_vector`, which a database trigger
keeps up to date (weighted title A > summary B > body C, in the text-search configuration
of the article's language) and a GIN index serves; both are created by migration 0002 on
PostgreSQL only. On SQLite the column stays empty and `selectors.article_search` falls back
to a simpler search with the same interface.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords

# The PostgreSQL text-search configuration used for each site language. Migration 0002
# writes the same mapping into the trigger; a test checks that they agree.
SEARCH_CONFIGS = {"en": "english", "de": "german", "da": "danish", "ja": "simple"}


def search_config(language: str) -> str:
    return SEARCH_CONFIGS.get(language, "simple")


class Category(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("kb:category", kwargs={"slug": self.slug})


class ArticleKind(models.TextChoices):
    HOW_TO = "how_to", _("How-to")
    TROUBLESHOOTING = "troubleshooting", _("Troubleshooting")
    FAQ = "faq", _("FAQ")
    KNOWN_ISSUE = "known_issue", _("Known issue")
    RELEASE_NOTE = "release_note", _("Release note")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class ArticleVisibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    CUSTOMERS = "customers", _("Customers only (sign-in required)")
    INTERNAL = "internal", _("Internal (support staff only)")


class ArticleQuerySet(models.QuerySet["Article"]):
    def published(self) -> ArticleQuerySet:
        return self.filter(status=ArticleStatus.PUBLISHED)


class Article(models.Model):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    summary = models.TextField(
        _("summary"), max_length=600, blank=True, help_text=_("One or two sentences shown in lists and search results.")
    )
    body = models.TextField(_("body (Markdown)"), blank=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("category"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ArticleKind.choices, default=ArticleKind.HOW_TO)
    products = models.ManyToManyField(
        "lifecycle.Product", blank=True, related_name="articles", verbose_name=_("applies to products")
    )
    versions = models.ManyToManyField(
        "lifecycle.ProductVersion", blank=True, related_name="articles", verbose_name=_("applies to versions")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="en")
    translation_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="translations",
        verbose_name=_("translation of"),
        help_text=_("The original article this one translates."),
    )
    status = models.CharField(_("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=ArticleVisibility.choices, default=ArticleVisibility.PUBLIC
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    last_reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True)
    source_incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kb_articles",
        verbose_name=_("written from incident"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Maintained by a PostgreSQL trigger (migrations 0002, 0003); never written by Django code.
    # search_vector: title A, summary B, body C (search); suggest_vector: title A, summary B
    # only, small enough to match and rank thousands of rows fast (incident-form suggestions).
    search_vector = SearchVectorField(null=True, editable=False)
    suggest_vector = SearchVectorField(null=True, editable=False)
    history = HistoricalRecords(excluded_fields=["search_vector", "suggest_vector", "updated_at"])

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "title"]
        verbose_name = _("article")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ArticleStatus.PUBLISHED) | Q(published_at__isnull=False),
                name="kb_published_article_has_published_at",
            ),
        ]
        indexes = [
            # Lists and feeds: published articles of a category/kind, newest first.
            models.Index(fields=["status", "category", "-published_at"], name="kb_article_cat_pub_idx"),
            models.Index(fields=["status", "kind", "-published_at"], name="kb_article_kind_pub_idx"),
            # GIN indexes on search_vector and suggest_vector: migrations 0002 and 0003 (PostgreSQL only).
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("kb:article", kwargs={"slug": self.slug})

    def clean(self) -> None:
        if self.status == ArticleStatus.PUBLISHED and self.category_id is None:
            raise ValidationError({"category": _("Choose a category before publishing.")})
        if self.translation_of_id is not None:
            if self.translation_of_id == self.pk:
                raise ValidationError({"translation_of": _("An article cannot translate itself.")})
            original = self.translation_of
            if original is not None and original.language == self.language:
                raise ValidationError(
                    {"translation_of": _("A translation must be in another language than its original.")}
                )


class ArticleVote(models.Model):
    """Was this helpful? One vote per signed-in person, or per session for visitors."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True)
    session_key = models.CharField(max_length=40, blank=True)
    is_helpful = models.BooleanField(_("helpful"))
    voted_at = models.DateTimeField(_("voted at"))

    class Meta:
        ordering = ["-voted_at"]
        verbose_name = _("helpfulness vote")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"], condition=Q(user__isnull=False), name="kb_one_vote_per_user"
            ),
            models.UniqueConstraint(
                fields=["article", "session_key"], condition=Q(user__isnull=True), name="kb_one_vote_per_session"
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(session_key=""), name="kb_vote_has_user_or_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {'yes' if self.is_helpful else 'no'}"


class DeflectionEvent(models.Model):
    """An article suggestion opened from the incident form.

    It counts as deflected when the person does not submit an incident within
    `DEFLECTION_WINDOW` (see `selectors_stats`); `submitted_at` is set by
    `services.deflection_mark_submitted` once the knowledge base sees the incident filed.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="deflection_events")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    session_key = models.CharField(max_length=40, blank=True)
    token = models.CharField(max_length=32)
    opened_at = models.DateTimeField(_("opened at"))
    submitted_at = models.DateTimeField(_("incident submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("deflection event")
        constraints = [
            # Opening the same suggestion twice from one form counts once.
            models.UniqueConstraint(fields=["article", "token"], name="kb_one_event_per_article_and_form"),
        ]
        indexes = [
            # deflection_mark_submitted: the open events of one form token.
            models.Index(fields=["token"], name="kb_deflection_token_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} opened {self.opened_at:%Y-%m-%d %H:%M}"
