"""Search: ranking, filters, access, pagination and absurd input — on SQLite or PostgreSQL."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from knowledgebase.models import SEARCH_CONFIGS, ArticleKind, ArticleStatus, ArticleVisibility
from knowledgebase.search import MAX_QUERY_CHARS, query_normalise, snippet_from_text
from knowledgebase.selectors import SearchFilters, article_search, article_suggestions
from lifecycle.models import Product, ProductVersion
from tests.knowledgebase.kbfactories import ArticleFactory, CategoryFactory

pytestmark = pytest.mark.django_db

ANON = AnonymousUser()


def titles(results) -> list[str]:
    return [hit.article.title for hit in results.hits]


@pytest.fixture
def products(db):
    bc = Product.objects.create(code="caw-bc", name="Contoso Advanced Warehousing for Business Central")
    gp = Product.objects.create(code="caw-gp", name="Contoso Advanced Warehousing for GP")
    v24 = ProductVersion.objects.create(product=bc, version="24.3", policy="modern")
    v25 = ProductVersion.objects.create(product=bc, version="25.0", policy="modern")
    return {"bc": bc, "gp": gp, "v24": v24, "v25": v25}


def test_a_title_match_ranks_above_a_summary_match_above_a_body_match():
    ArticleFactory(title="Printing labels", summary="Labels.", body="Nothing about printers here.")
    ArticleFactory(title="Mobile app", summary="Connect a scanner to the app.", body="Steps.")
    ArticleFactory(title="Scanner setup", summary="How to.", body="Steps.")
    ArticleFactory(title="Counting", summary="Cycle counts.", body="Use the scanner to count.")

    results = article_search(user=ANON, query="scanner", language="en")

    assert titles(results) == ["Scanner setup", "Mobile app", "Counting"]


def test_every_word_must_match():
    ArticleFactory(title="Wave picking set-up", body="Group orders into waves.")
    ArticleFactory(title="Picking lists", body="Print them.")

    assert titles(article_search(user=ANON, query="wave picking", language="en")) == ["Wave picking set-up"]


def test_snippets_mark_the_match_and_escape_article_html():
    ArticleFactory(
        title="Blank bin codes",
        summary="",
        body="Before <script>alert(1)</script> the bin code column & zone are empty.",
    )

    [hit] = article_search(user=ANON, query="bin", language="en").hits

    snippet = str(hit.snippet)
    assert "<mark>" in snippet.lower()
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet or "script" not in snippet


def test_filters_by_category_kind_product_and_version(products):
    howto = CategoryFactory(slug="how-to", name="How to")
    ArticleFactory(title="Bins on BC 24.3", body="bins", category=howto, versions=[products["v24"]])
    ArticleFactory(title="Bins on any BC", body="bins", kind=ArticleKind.FAQ, products=[products["bc"]])
    ArticleFactory(title="Bins on GP", body="bins", products=[products["gp"]])

    def search(**filters):
        return sorted(titles(article_search(user=ANON, query="bins", language="en", filters=SearchFilters(**filters))))

    assert search(category=howto) == ["Bins on BC 24.3"]
    assert search(kind=ArticleKind.FAQ) == ["Bins on any BC"]
    assert search(product=products["bc"]) == ["Bins on BC 24.3", "Bins on any BC"]
    assert search(product=products["gp"]) == ["Bins on GP"]
    # An article for the whole product applies to each of its versions.
    assert search(version=products["v24"]) == ["Bins on BC 24.3", "Bins on any BC"]
    assert search(version=products["v25"]) == ["Bins on any BC"]


def test_results_respect_visibility_and_status(customer, engineer):
    ArticleFactory(title="Public bins", body="bins")
    ArticleFactory(title="Customer bins", body="bins", visibility=ArticleVisibility.CUSTOMERS)
    ArticleFactory(title="Internal bins", body="bins", visibility=ArticleVisibility.INTERNAL)
    ArticleFactory(title="Draft bins", body="bins", status=ArticleStatus.DRAFT, published_at=None)

    def search(user):
        return sorted(titles(article_search(user=user, query="bins", language="en")))

    assert search(ANON) == ["Public bins"]
    assert search(customer) == ["Customer bins", "Public bins"]
    assert search(engineer) == ["Customer bins", "Internal bins", "Public bins"]


def test_results_are_paginated():
    for n in range(23):
        ArticleFactory(title=f"Label printer {n}", body="zebra")

    first = article_search(user=ANON, query="zebra", language="en", page=1)
    last = article_search(user=ANON, query="zebra", language="en", page=3)

    assert first.total == 23
    assert len(first.hits) == 10
    assert len(last.hits) == 3
    assert {h.article.pk for h in first.hits}.isdisjoint({h.article.pk for h in last.hits})


def test_a_german_visitor_finds_german_articles_and_untranslated_english_ones():
    original = ArticleFactory(title="Pick list bin codes", body="blank bins")
    ArticleFactory(title="Pickliste Lagerplatzcodes", body="leere bins", language="de", translation_of=original)
    ArticleFactory(title="Scanner bins", body="bins")

    assert sorted(titles(article_search(user=ANON, query="bins", language="de"))) == [
        "Pickliste Lagerplatzcodes",
        "Scanner bins",
    ]


@pytest.mark.parametrize("query", ["", "   ", "!!!???...", "«»—–…", "%_%"])
def test_empty_and_punctuation_only_queries_do_not_touch_the_database(query, django_assert_num_queries):
    ArticleFactory(title="Anything")
    with django_assert_num_queries(0):
        results = article_search(user=ANON, query=query, language="en")
    assert results.page is None
    assert results.hits == []


def test_sql_looking_input_is_just_words():
    ArticleFactory(title="Drop shipments", body="table of drop shipments")

    results = article_search(user=ANON, query="'; DROP TABLE knowledgebase_article; --", language="en")

    assert results.page is not None
    assert results.total == 0


def test_a_ten_thousand_character_query_is_cut_and_answers(django_assert_max_num_queries):
    ArticleFactory(title="Bins", body="bins")
    query = "bins " + "x" * 9995

    with django_assert_max_num_queries(4):
        results = article_search(user=ANON, query=query, language="en")

    assert results.query.was_truncated
    assert len(results.query.text) <= MAX_QUERY_CHARS
    assert results.query.text.split() == ["bins", "x" * (MAX_QUERY_CHARS - 5)]
    assert results.total == 0  # the cut query still contains the long word


def test_a_long_repetitive_query_searches_its_distinct_words():
    ArticleFactory(title="Warehouse bins", body="bins")

    results = article_search(user=ANON, query="warehouse " * 1000, language="en")

    assert results.query.text == "warehouse"
    assert [hit.article.title for hit in results.hits] == ["Warehouse bins"]


def test_query_normalise_caps_terms_and_collapses_whitespace():
    normalised = query_normalise("  one\ttwo\n" + " ".join(f"w{n}" for n in range(50)))
    assert normalised.text.startswith("one two w0")
    assert len(normalised.terms) == 12


def test_search_hot_path_query_count(django_assert_max_num_queries):
    for n in range(15):
        ArticleFactory(title=f"Replenishment {n}", body="job queue")
    with django_assert_max_num_queries(4):
        results = article_search(user=ANON, query="replenishment", language="en")
    assert len(results.hits) == 10


def test_snippet_from_text_escapes_and_marks_pieces():
    snippet = str(snippet_from_text("Use <b>amp</b> & the amp", ["amp"]))
    assert snippet == "Use &lt;b&gt;<mark>amp</mark>&lt;/b&gt; &amp; the <mark>amp</mark>"


def test_suggestions_return_at_most_five_matching_any_word(django_assert_max_num_queries):
    for n in range(8):
        ArticleFactory(title=f"Warehouse shipment error {n}", body="posting")
    ArticleFactory(title="Unrelated", body="nothing")

    with django_assert_max_num_queries(1):
        articles = article_suggestions(
            user=ANON, title="shipment cannot be posted", description="error when posting", language="en"
        )

    assert len(articles) == 5
    assert all("shipment" in a.title.lower() for a in articles)


def test_suggestions_for_nothing_typed_are_empty(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert article_suggestions(user=ANON, title="", description="?!", language="en") == []


def test_postgres_keeps_a_weighted_vector_in_the_articles_language():
    article = ArticleFactory(title="Lagerplätze", body="Die Lagerplätze werden gedruckt", language="de")
    article.refresh_from_db()
    if connection.vendor != "postgresql":
        # SQLite has no trigger: the column stays empty and the fallback search serves.
        assert article.search_vector is None
        assert article.suggest_vector is None
        return
    assert "'lagerplatz':1A" in article.search_vector
    assert "'gedruckt'" in article.search_vector
    assert "'lagerplatz':1A" in article.suggest_vector  # title and summary only
    assert "'gedruckt'" not in article.suggest_vector
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'knowledgebase_article_search_vector_update'")
        source = cursor.fetchone()[0]
    for language, config in SEARCH_CONFIGS.items():
        if config != "simple":
            assert f"WHEN '{language}' THEN '{config}'::regconfig" in source
