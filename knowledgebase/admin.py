"""Engineer console for the knowledge base: articles with helpfulness and deflection, and
the incident queue's action that drafts an article from incidents."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from core.markdown import render_markdown
from incidents.admin import IncidentAdmin as IncidentQueueAdmin
from incidents.models import Incident
from knowledgebase import selectors_stats, services
from knowledgebase.models import Article, ArticleVote, Category, DeflectionEvent


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "order")
    list_editable = ("order",)
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    # Narrow enough for the admin's sidebar and filter panel at 1280 px; the rest are filters.
    list_display = ("title", "kind", "language", "status", "helpfulness", "deflection")
    list_filter = ("status", "visibility", "kind", "language", "category", "last_reviewed_on", "products")
    list_select_related = ("category",)
    search_fields = ("title", "summary", "slug")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("translation_of",)
    filter_horizontal = ("products", "versions")
    date_hierarchy = "published_at"
    readonly_fields = ("published_at", "source_incident", "created_at", "updated_at", "statistics", "preview")
    actions = ("publish", "archive", "mark_reviewed_today")
    fieldsets = (
        (None, {"fields": ("title", "slug", "summary", "body", "preview")}),
        (_("Classification"), {"fields": ("category", "kind", "products", "versions")}),
        (_("Language"), {"fields": ("language", "translation_of")}),
        (
            _("Publication"),
            {"fields": ("status", "visibility", "published_at", "last_reviewed_on", "source_incident")},
        ),
        (_("How it performs"), {"fields": ("statistics", "created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        qs = super().get_queryset(request).defer("search_vector", "suggest_vector")
        return selectors_stats.articles_with_stats(qs, now=timezone.now())

    @admin.display(description=_("helpful"), ordering="votes_yes")
    def helpfulness(self, article: Article) -> str:
        total = article.votes_yes + article.votes_no
        if not total:
            return "–"
        return f"{round(100 * article.votes_yes / total)}% ({article.votes_yes}/{total})"

    @admin.display(description=_("deflected"), ordering="deflected")
    def deflection(self, article: Article) -> str:
        if not article.suggestions_opened:
            return "–"
        return f"{round(100 * article.deflected / article.suggestions_opened)}% ({article.deflected}/{article.suggestions_opened})"

    @admin.display(description=_("statistics"))
    def statistics(self, article: Article) -> str:
        if article.pk is None:
            return "–"
        stats = selectors_stats.article_stats(article_ids=[article.pk], now=timezone.now())[article.pk]
        return format_html(
            "{}: {} · {}: {} · {}: {} · {}: {}",
            _("Helpful"),
            stats.helpful,
            _("Not helpful"),
            stats.not_helpful,
            _("Opened from the incident form"),
            stats.suggestions_opened,
            _("Deflected (no incident filed within an hour)"),
            stats.deflected,
        )

    @admin.display(description=_("preview"))
    def preview(self, article: Article) -> str:
        if not article.body:
            return "–"
        return format_html('<div class="kb-admin-preview">{}</div>', render_markdown(article.body))

    def save_model(self, request: HttpRequest, obj: Article, form, change: bool) -> None:
        services.article_stamp_publication(article=obj, now=timezone.now())
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Publish the selected articles"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        now = timezone.now()
        done = 0
        for article in queryset:
            try:
                done += services.article_publish(article=article, now=now)
            except services.KnowledgeBaseError as exc:
                self.message_user(request, str(exc), messages.ERROR)
        self.message_user(
            request, ngettext("%(n)d article published.", "%(n)d articles published.", done) % {"n": done}
        )

    @admin.action(description=_("Archive the selected articles"))
    def archive(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        done = sum(services.article_archive(article=article) for article in queryset)
        self.message_user(request, ngettext("%(n)d article archived.", "%(n)d articles archived.", done) % {"n": done})

    @admin.action(description=_("Mark the selected articles as reviewed today"))
    def mark_reviewed_today(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        today = timezone.localdate()
        for article in queryset:
            services.article_mark_reviewed(article=article, on=today)
        self.message_user(request, _("Marked as reviewed on %(day)s.") % {"day": today})


@admin.register(ArticleVote)
class ArticleVoteAdmin(admin.ModelAdmin):
    list_display = ("article", "is_helpful", "user", "voted_at")
    list_filter = ("is_helpful",)
    list_select_related = ("article", "user")
    search_fields = ("article__title",)
    readonly_fields = ("article", "user", "session_key", "is_helpful", "voted_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(DeflectionEvent)
class DeflectionEventAdmin(admin.ModelAdmin):
    list_display = ("article", "user", "opened_at", "submitted_at", "deflected")
    list_select_related = ("article", "user")
    search_fields = ("article__title",)
    readonly_fields = ("article", "user", "session_key", "token", "opened_at", "submitted_at")

    def get_queryset(self, request: HttpRequest):
        return selectors_stats.deflection_events_classified(now=timezone.now()).select_related("article", "user")

    @admin.display(description=_("deflected"), boolean=True)
    def deflected(self, event: DeflectionEvent) -> bool:
        return event.is_deflected

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


# --- The incident queue's action -------------------------------------------------------
# The knowledge base sits above incidents: it adds its action to the incident admin by
# registering a subclass, as one extends Django's UserAdmin.


admin.site.unregister(Incident)


@admin.register(Incident)
class IncidentAdmin(IncidentQueueAdmin):
    actions = (*IncidentQueueAdmin.actions, "create_kb_article")

    def has_kb_article_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("knowledgebase.add_article")

    @admin.action(description=_("Create knowledge-base article (draft)"), permissions=["kb_article"])
    def create_kb_article(self, request: HttpRequest, queryset: QuerySet[Incident]) -> HttpResponse | None:
        """Draft an article from each incident's title and last public reply."""
        articles = [
            services.article_create_from_incident(incident=incident, by=request.user, now=timezone.now())
            for incident in queryset
        ]
        if len(articles) == 1:
            return HttpResponseRedirect(reverse("admin:knowledgebase_article_change", args=[articles[0].pk]))
        messages.success(request, _("%(count)d draft article(s) created.") % {"count": len(articles)})
        return self._back(request)
