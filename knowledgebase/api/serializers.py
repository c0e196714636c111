"""Input and output serializers of the knowledge base API."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import QuerySerializer, UtcDateTimeField
from knowledgebase.models import ArticleKind, ArticleVisibility, Category


class ArticleListQuerySerializer(QuerySerializer):
    search = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text=_("Words to search for, best matches first.")
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("Articles in this language, and English ones not translated into it."),
    )
    kind = serializers.ChoiceField(choices=ArticleKind.choices, required=False)
    category = serializers.SlugField(required=False, max_length=120, help_text=_("A category slug."))

    def validate_category(self, value: str) -> Category:
        category = Category.objects.filter(slug=value).first()
        if category is None:
            raise serializers.ValidationError(_("There is no category %(slug)s.") % {"slug": value})
        return category


class ArticleListItemSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    kind = serializers.ChoiceField(choices=ArticleKind.choices)
    category = serializers.CharField(source="category.slug")
    language = serializers.CharField()
    visibility = serializers.ChoiceField(choices=ArticleVisibility.choices)
    published_at = UtcDateTimeField(allow_null=True)
    last_reviewed_on = serializers.DateField(allow_null=True)
    url = serializers.SerializerMethodField(help_text=_("The article's page in the portal."))
    snippet = serializers.SerializerMethodField(
        help_text=_("Search only: the matching passage as HTML, search words in <mark>.")
    )

    def get_url(self, article) -> str:
        path = reverse("kb:article", args=[article.slug])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_snippet(self, article) -> str | None:
        snippets = self.context.get("snippets") or {}
        snippet = snippets.get(article.pk)
        return str(snippet) if snippet is not None else None


class ArticleDetailSerializer(ArticleListItemSerializer):
    body = serializers.CharField(help_text=_("Markdown."))
