"""RSS and Atom feeds of newly published public articles."""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from knowledgebase.models import Article, ArticleVisibility


class LatestArticlesFeed(Feed):
    link = reverse_lazy("kb:index")
    description_template = None

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
    subtitle = LatestArticlesFeed.description
