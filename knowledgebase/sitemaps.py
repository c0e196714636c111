"""Sitemap entries for the public knowledge base (served at /sitemap.xml)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import sitemaps
from django.urls import reverse

from knowledgebase.models import Article, ArticleVisibility, Category


class Sitemap(sitemaps.Sitemap):
    """Links on the configured site address (SITE_URL), never the request's Host: the
    sitemap is cached and served to everyone (core/public_cache.py)."""

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site: object = None) -> str:
        return urlsplit(settings.SITE_URL).netloc


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return (
            Article.objects.published()
            .filter(visibility=ArticleVisibility.PUBLIC)
            .only("slug", "updated_at")
            .order_by("pk")
        )

    def lastmod(self, item: Article):
        return item.updated_at


class CategorySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        public = Article.objects.published().filter(visibility=ArticleVisibility.PUBLIC)
        return Category.objects.filter(pk__in=public.values("category_id")).order_by("order", "pk")


class KnowledgeBasePagesSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.7

    def items(self) -> list[str]:
        return ["kb:index", "kb:faq"]

    def location(self, item: str) -> str:
        return reverse(item)


SITEMAPS = {"kb-pages": KnowledgeBasePagesSitemap, "kb-categories": CategorySitemap, "kb-articles": ArticleSitemap}
