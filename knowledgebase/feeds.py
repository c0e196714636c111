"""RSS and Atom feeds of newly published public articles."""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from knowledgebase.models import Article, ArticleVisibility


class LatestArticlesFeed(Feed):
    """Its links are on the configured site address (SITE_URL), never the request's Host: the
    feed is cached and served to everyone (core/public_cache.py)."""

    description_template = None
    url_name = "kb:feed"

    def link(self) -> str:
        return settings.SITE_URL + reverse("kb:index")

    def feed_url(self) -> str:
        return settings.SITE_URL + reverse(self.url_name)

    def item_link(self, item: Article) -> str:
        return settings.SITE_URL + item.get_absolute_url()

    def title(self) -> str:
        return _("%(product)s knowledge base: new articles") % {"product": settings.PRODUCT_NAME}

    def description(self) -> str:
        return _("Newly published how-to articles, troubleshooting guides, known issues and FAQs.")

    def items(self):
        return (
            Article.objects.published()
            .filter(visibility=ArticleVisibility.PUBLIC)
            .select_related("category")
            .defer("body", "search_vector", "suggest_vector")
            .order_by("-published_at", "pk")[:30]
        )

    def item_title(self, item: Article) -> str:
        return item.title

    def item_description(self, item: Article) -> str:
        return item.summary

    def item_pubdate(self, item: Article):
        return item.published_at

    def item_updateddate(self, item: Article):
        return item.updated_at

    def item_categories(self, item: Article):
        return [item.category.name] if item.category else []


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = Atom1Feed
    url_name = "kb:feed-atom"
    subtitle = LatestArticlesFeed.description
