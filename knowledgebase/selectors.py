"""Reads for the knowledge base: who may read what, lists, search, suggestions, votes.

Helpfulness and deflection statistics are in `knowledgebase.selectors_stats`."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Window,
)
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils.safestring import SafeString

from accounts.selectors import membership_of
from knowledgebase.models import (
    Article,
    ArticleKind,
    ArticleStatus,
    ArticleVisibility,
    ArticleVote,
    Category,
)
from knowledgebase.search import NormalisedQuery, is_postgres, query_normalise, rank_queryset, snippets_for
from lifecycle.models import Product, ProductVersion

PER_PAGE = 10
SUGGESTIONS = 5
# List pages never need the body or the search vector.
LIST_DEFER = ("body", "search_vector", "suggest_vector")


class SignInRequired(Exception):
    """The article is for customers: the visitor must sign in first."""


# --- Access -----------------------------------------------------------------------------


def is_customer_or_staff(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff:
        return True
    return membership_of(user) is not None


def visibilities_for(user) -> list[str]:
    if getattr(user, "is_authenticated", False) and user.is_staff:
        return [ArticleVisibility.PUBLIC, ArticleVisibility.CUSTOMERS, ArticleVisibility.INTERNAL]
    if is_customer_or_staff(user):
        return [ArticleVisibility.PUBLIC, ArticleVisibility.CUSTOMERS]
    return [ArticleVisibility.PUBLIC]


def articles_visible_to(user) -> QuerySet[Article]:
    """Published articles `user` may read: visitors public ones, customers also customers-only
    ones, support staff also internal ones."""
    return Article.objects.published().filter(visibility__in=visibilities_for(user))


def articles_in_language(qs: QuerySet[Article], language: str) -> QuerySet[Article]:
    """Articles in `language`, plus English originals that have no translation into it."""
    if language == "en":
        return qs.filter(language="en")
    translated = Article.objects.published().filter(translation_of=OuterRef("pk"), language=language)
    return qs.filter(Q(language=language) | (Q(language="en") & ~Exists(translated)))


def search_languages(language: str) -> list[str]:
    return [language] if language == "en" else [language, "en"]


def article_get_for_user(*, user, slug: str) -> Article:
    """The article to show at /help/articles/<slug>/.

    Raises `SignInRequired` for a customers-only article and an anonymous visitor, and
    Http404 for anything else the viewer may not read (internal articles, drafts, archived
    ones; support staff may preview every article).
    """
    article = (
        Article.objects.filter(slug=slug)
        .defer("search_vector", "suggest_vector")
        .select_related("category", "translation_of")
        .prefetch_related("products", "versions__product")
        .first()
    )
    if article is None:
        raise Http404("No such article")
    is_staff = getattr(user, "is_authenticated", False) and user.is_staff
    if is_staff:
        return article
    if article.status != ArticleStatus.PUBLISHED or article.visibility == ArticleVisibility.INTERNAL:
        raise Http404("No such article")
    if article.visibility == ArticleVisibility.CUSTOMERS and not is_customer_or_staff(user):
        if not getattr(user, "is_authenticated", False):
            raise SignInRequired
        raise Http404("No such article")
    return article


# --- Lists ------------------------------------------------------------------------------


@dataclass
class CategorySection:
    category: Category
    articles: list[Article] = field(default_factory=list)
    total: int = 0


def kb_index(*, user, language: str, per_category: int = 5) -> list[CategorySection]:
    """Categories in order, each with its newest articles and how many there are (3 queries)."""
    visible = articles_in_language(articles_visible_to(user), language)
    counts = dict(visible.values("category").annotate(n=Count("pk")).values_list("category", "n"))
    sections = {c.pk: CategorySection(category=c, total=counts.get(c.pk, 0)) for c in Category.objects.all()}
    top = (
        visible.filter(category__isnull=False)
        .defer(*LIST_DEFER)
        .annotate(
            position=Window(RowNumber(), partition_by=[F("category_id")], order_by=[F("published_at").desc(), "pk"])
        )
        .filter(position__lte=per_category)
        .order_by("category_id", "position")
    )
    for article in top:
        sections[article.category_id].articles.append(article)
    return [section for section in sections.values() if section.total]


def category_articles(*, user, category: Category, language: str, page: str | int | None) -> Page:
    qs = (
        articles_in_language(articles_visible_to(user), language)
        .filter(category=category)
        .defer(*LIST_DEFER)
        .order_by("-published_at", "pk")
    )
    return Paginator(qs, PER_PAGE * 2).get_page(page)


def faq_articles(*, user, language: str, page: str | int | None) -> Page:
    qs = (
        articles_in_language(articles_visible_to(user), language)
        .filter(kind=ArticleKind.FAQ)
        .select_related("category")
        .defer("search_vector", "suggest_vector")
        .order_by(F("category__order").asc(nulls_last=True), "category__name", "title")
    )
    return Paginator(qs, 25).get_page(page)


def articles_recent(*, user, language: str, limit: int = 20) -> list[Article]:
    qs = articles_in_language(articles_visible_to(user), language).defer(*LIST_DEFER)
    return list(qs.order_by("-published_at", "pk")[:limit])


def articles_related(*, article: Article, user, limit: int = 5) -> list[Article]:
    """Other articles in the same category or for the same products, most shared first."""
    product_ids = [p.pk for p in article.products.all()]
    qs = (
        articles_in_language(articles_visible_to(user), article.language)
        .exclude(pk=article.pk)
        .exclude(translation_of=article)
        .defer(*LIST_DEFER)
    )
    if article.translation_of_id:
        qs = qs.exclude(pk=article.translation_of_id)
    same_category = Q(category_id=article.category_id) if article.category_id else Q(pk__in=[])
    shares_product = Q(products__in=product_ids) if product_ids else Q(pk__in=[])
    return list(
        qs.filter(same_category | shares_product)
        .annotate(shared=Count("products", filter=Q(products__in=product_ids), distinct=True))
        .order_by("-shared", "-published_at", "pk")[:limit]
    )


def article_translations(*, article: Article, user) -> list[Article]:
    """The same article in other languages that the viewer may read."""
    original_id = article.translation_of_id or article.pk
    return list(
        articles_visible_to(user)
        .filter(Q(pk=original_id) | Q(translation_of_id=original_id))
        .exclude(pk=article.pk)
        .only("pk", "slug", "title", "language")
        .order_by("language")
    )


# --- Search -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilters:
    category: Category | None = None
    kind: str = ""
    product: Product | None = None
    version: ProductVersion | None = None

    @property
    def is_active(self) -> bool:
        return bool(self.category or self.kind or self.product or self.version)


@dataclass(frozen=True)
class SearchHit:
    article: Article
    snippet: SafeString


@dataclass(frozen=True)
class SearchResults:
    query: NormalisedQuery
    filters: SearchFilters
    page: Page | None  # of SearchHit; None when the query has nothing to search for
    hits: list[SearchHit]

    @property
    def total(self) -> int:
        return self.page.paginator.count if self.page is not None else 0


def _apply_filters(qs: QuerySet[Article], filters: SearchFilters) -> QuerySet[Article]:
    if filters.category is not None:
        qs = qs.filter(category=filters.category)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    products = Article.products.through.objects
    versions = Article.versions.through.objects
    if filters.version is not None:
        # An article for the whole product (no versions named) applies to every version.
        named = versions.filter(article_id=OuterRef("pk"))
        qs = qs.filter(
            Exists(named.filter(productversion_id=filters.version.pk))
            | (
                ~Exists(named)
                & Exists(products.filter(article_id=OuterRef("pk"), product_id=filters.version.product_id))
            )
        )
    elif filters.product is not None:
        qs = qs.filter(
            Exists(products.filter(article_id=OuterRef("pk"), product_id=filters.product.pk))
            | Exists(versions.filter(article_id=OuterRef("pk"), productversion__product_id=filters.product.pk))
        )
    return qs


def article_search(
    *,
    user,
    query: str | None,
    language: str,
    filters: SearchFilters | None = None,
    page: str | int | None = 1,
    per_page: int = PER_PAGE,
) -> SearchResults:
    """Search the articles `user` may read. Same interface on PostgreSQL and SQLite.

    An empty, punctuation-only or absurdly long query never reaches the database as is:
    it is cut to `search.MAX_QUERY_CHARS` and, without a single word, not run at all.
    """
    filters = filters or SearchFilters()
    normalised = query_normalise(query)
    if not normalised.is_searchable:
        return SearchResults(query=normalised, filters=filters, page=None, hits=[])
    base = _apply_filters(articles_in_language(articles_visible_to(user), language), filters)
    ranked = rank_queryset(base.defer(*LIST_DEFER), normalised, languages=search_languages(language))
    result_page = Paginator(ranked.select_related("category"), per_page).get_page(page)
    articles = list(result_page.object_list)
    snippets = snippets_for(_with_body(articles), normalised)
    hits = [SearchHit(article=a, snippet=snippets[a.pk]) for a in articles]
    result_page.object_list = hits
    return SearchResults(query=normalised, filters=filters, page=result_page, hits=hits)


def _with_body(articles: list[Article]) -> list[Article]:
    """SQLite snippets need the body, which the ranked query deferred: one more query."""
    if is_postgres() or not articles:
        return articles
    bodies = dict(Article.objects.filter(pk__in=[a.pk for a in articles]).values_list("pk", "body"))
    for article in articles:
        article.body = bodies.get(article.pk, "")
    return articles


def article_suggestions(
    *, user, title: str | None, description: str | None, language: str, limit: int = SUGGESTIONS
) -> list[Article]:
    """The best matching articles for what a customer is typing into the incident form.

    Any word may match, in an article's title or summary (its body would match nearly every
    article for a chatty description), ranked title first; one query.
    """
    text = f"{title or ''} {(description or '')[:600]}"
    normalised = query_normalise(text, max_chars=800)
    if not normalised.is_searchable:
        return []
    base = articles_in_language(articles_visible_to(user), language).defer(*LIST_DEFER)
    ranked = rank_queryset(base, normalised, languages=search_languages(language), any_term=True, with_body=False)
    return list(ranked.select_related("category")[:limit])


# --- Votes ---------------------------------------------------------------------------


def vote_get(*, article: Article, user, session_key: str | None) -> ArticleVote | None:
    if getattr(user, "is_authenticated", False):
        return ArticleVote.objects.filter(article=article, user=user).first()
    if not session_key:
        return None
    return ArticleVote.objects.filter(article=article, user__isnull=True, session_key=session_key).first()
