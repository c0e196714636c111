"""/api/v1/kb/articles/ and /api/v1/lifecycle/versions/: what the public pages show, as JSON."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledgebase.models import ArticleKind, ArticleStatus, ArticleVisibility
from lifecycle.models import PolicyKind, Product, ProductVersion
from tests.knowledgebase.kbfactories import ArticleFactory, CategoryFactory

pytestmark = pytest.mark.django_db

KB = "/api/v1/kb/articles/"


@pytest.fixture
def articles(db):
    warehousing = CategoryFactory(slug="warehousing", name="Warehousing")
    return {
        "public": ArticleFactory(
            title="Set up directed put-away",
            slug="directed-put-away",
            body="Zones and bin ranking.",
            category=warehousing,
        ),
        "faq": ArticleFactory(title="Which licences do I need?", slug="licences", kind=ArticleKind.FAQ),
        "customers": ArticleFactory(
            title="Hotfix 24.3.2 put-away patch",
            slug="hotfix-put-away",
            visibility=ArticleVisibility.CUSTOMERS,
            body="Download the put-away patch.",
        ),
        "internal": ArticleFactory(
            title="Put-away debugging notes", slug="internal-put-away", visibility=ArticleVisibility.INTERNAL
        ),
        "draft": ArticleFactory(title="Put-away draft", slug="draft-put-away", status=ArticleStatus.DRAFT),
    }


def slugs(response) -> set[str]:
    assert response.status_code == 200, response.json()
    return {item["slug"] for item in response.json()["results"]}


def test_visitors_see_the_public_articles(api, articles):
    assert slugs(api.get(KB)) == {"directed-put-away", "licences"}


def test_customers_also_see_customer_articles_and_staff_internal_ones(token_for, customer, engineer, articles):
    assert slugs(token_for(customer).get(KB)) == {"directed-put-away", "licences", "hotfix-put-away"}
    assert slugs(token_for(engineer).get(KB)) == {
        "directed-put-away",
        "licences",
        "hotfix-put-away",
        "internal-put-away",
    }


def test_search_ranks_matches_with_a_snippet(token_for, customer, articles):
    response = token_for(customer).get(KB, {"search": "put-away"})
    found = slugs(response)
    assert found == {"directed-put-away", "hotfix-put-away"}
    first = response.json()["results"][0]
    assert first["snippet"] is not None
    assert first["url"].endswith(f"/help/articles/{first['slug']}/")


def test_search_pages_like_every_list(api, articles):
    for n in range(3):
        ArticleFactory(title=f"Bin replenishment {n}", slug=f"bins-{n}", body="Replenish bins.")
    first = api.get(KB, {"search": "replenishment", "page_size": 2})
    assert first.json()["count"] == 3
    assert len(first.json()["results"]) == 2
    assert "page=2" in first.json()["next"]
    second = api.get(KB, {"search": "replenishment", "page_size": 2, "page": 2})
    assert len(second.json()["results"]) == 1
    assert second.json()["next"] is None
    assert api.get(KB, {"search": "replenishment", "page_size": 2, "page": 3}).status_code == 404


def test_filters_by_kind_and_category(api, articles):
    assert slugs(api.get(KB, {"kind": "faq"})) == {"licences"}
    assert slugs(api.get(KB, {"category": "warehousing"})) == {"directed-put-away"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "poem"}, "kind"),
        ({"category": "nope"}, "category"),
        ({"language": "xx"}, "language"),
        ({"sort": "new"}, "sort"),
    ],
)
def test_bad_kb_parameters_are_400(api, articles, params, field):
    response = api.get(KB, params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_an_article_is_read_by_slug_with_its_body(api, articles):
    response = api.get(f"{KB}directed-put-away/")
    assert response.status_code == 200
    assert response.json()["body"] == "Zones and bin ranking."


@pytest.mark.parametrize(
    ("persona", "slug", "status"),
    [
        ("anonymous", "hotfix-put-away", 401),
        ("customer", "hotfix-put-away", 200),
        ("outsider", "hotfix-put-away", 200),
        ("anonymous", "internal-put-away", 404),
        ("customer", "internal-put-away", 404),
        ("engineer", "internal-put-away", 200),
        ("customer", "draft-put-away", 404),
        ("customer", "no-such-article", 404),
    ],
)
def test_article_access(request, api, token_for, articles, persona, slug, status):
    client = api if persona == "anonymous" else token_for(request.getfixturevalue(persona))
    response = client.get(f"{KB}{slug}/")
    assert response.status_code == status
    if status != 200:
        assert set(response.json()) == {"code", "message", "fields"}


# --- Lifecycle ------------------------------------------------------------------------


@pytest.fixture
def versions(db):
    product = Product.objects.create(code="contoso-advanced-warehousing", name="Contoso Advanced Warehousing")
    other = Product.objects.create(code="contoso-labels", name="Contoso Labels", display_order=1)
    return {
        "11.0": ProductVersion.objects.create(
            product=product,
            version="11.0",
            policy=PolicyKind.FIXED,
            released_on=dt.date(2018, 1, 15),
            mainstream_end_on=dt.date(2020, 1, 10),
            extended_end_on=dt.date(2022, 1, 11),
        ),
        "29.0": ProductVersion.objects.create(
            product=product, version="29.0", policy=PolicyKind.MODERN, released_on=dt.date(2026, 10, 19)
        ),
        "labels-3": ProductVersion.objects.create(
            product=other, version="3.0", policy=PolicyKind.MODERN, released_on=dt.date(2025, 5, 1)
        ),
    }


def test_versions_list_with_their_phase(api, versions):
    response = api.get("/api/v1/lifecycle/versions/", {"product": "contoso-advanced-warehousing"})
    assert response.status_code == 200
    by_version = {row["version"]: row for row in response.json()["results"]}
    assert set(by_version) == {"11.0", "29.0"}
    assert by_version["11.0"]["phase"] == "ended"
    assert by_version["11.0"]["is_supported"] is False
    assert by_version["11.0"]["support_ends_on"] == "2022-01-11"
    assert by_version["29.0"]["is_supported"] is True
    assert by_version["29.0"]["id"] == versions["29.0"].pk


def test_versions_filter_by_support(api, versions):
    response = api.get("/api/v1/lifecycle/versions/", {"supported": "false"})
    assert [row["version"] for row in response.json()["results"]] == ["11.0"]


def test_a_version_id_from_the_list_files_an_incident(api, token_for, customer, versions):
    version_id = api.get("/api/v1/lifecycle/versions/", {"supported": "true"}).json()["results"][0]["id"]
    payload = {"title": "Bins", "description": "Blank", "severity": "C", "product_version": version_id}
    response = token_for(customer).post("/api/v1/incidents/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["product_version"] == version_id
