"""The engineer console shows helpfulness and deflection per article, and publishes drafts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from knowledgebase.demo import seed
from knowledgebase.models import Article, ArticleStatus, ArticleVote, DeflectionEvent
from tests.factories import PASSWORD, StaffFactory
from tests.knowledgebase.kbfactories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = StaffFactory(username="ada.admin", superuser=True)
    assert client.login(request=HttpRequest(), username=user.username, password=PASSWORD)
    return client


def test_article_list_shows_helpfulness_and_deflection(admin_client, django_assert_max_num_queries):
    article = ArticleFactory(title="Blank bin codes")
    for n, helpful in enumerate([True, True, True, False]):
        ArticleVote.objects.create(article=article, session_key=f"s{n}", is_helpful=helpful, voted_at=timezone.now())
    long_ago = timezone.now() - dt.timedelta(days=2)
    DeflectionEvent.objects.create(article=article, token="a", opened_at=long_ago)
    DeflectionEvent.objects.create(article=article, token="b", opened_at=long_ago, submitted_at=long_ago)
    for n in range(10):
        ArticleFactory(title=f"Other {n}")

    # A constant number: the statistics are subqueries of the list query, not one query per row.
    with django_assert_max_num_queries(16):
        response = admin_client.get(reverse("admin:knowledgebase_article_changelist"))

    html = response.content.decode()
    assert "75% (3/4)" in html
    assert "50% (1/2)" in html


def test_change_page_shows_statistics_and_a_safe_preview(admin_client):
    article = ArticleFactory(body="**bold** <script>alert(1)</script>")
    html = admin_client.get(reverse("admin:knowledgebase_article_change", args=[article.pk])).content.decode()
    assert "<strong>bold</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert "Opened from the incident form" in html


def test_saving_a_published_article_in_the_admin_stamps_published_at(admin_client):
    article = ArticleFactory(status=ArticleStatus.DRAFT, published_at=None)
    data = {
        "title": article.title,
        "slug": article.slug,
        "summary": "",
        "body": "Text",
        "category": article.category_id,
        "kind": article.kind,
        "language": "en",
        "status": ArticleStatus.PUBLISHED,
        "visibility": article.visibility,
        "last_reviewed_on": "",
        "translation_of": "",
    }
    response = admin_client.post(reverse("admin:knowledgebase_article_change", args=[article.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED
    assert article.published_at is not None
    assert article.history.count() >= 2  # revision history


def test_publish_action_refuses_articles_without_a_category(admin_client):
    ready = ArticleFactory(status=ArticleStatus.DRAFT, published_at=None)
    homeless = ArticleFactory(status=ArticleStatus.DRAFT, published_at=None, category=None)

    admin_client.post(
        reverse("admin:knowledgebase_article_changelist"),
        {"action": "publish", "_selected_action": [ready.pk, homeless.pk]},
    )

    ready.refresh_from_db()
    homeless.refresh_from_db()
    assert ready.status == ArticleStatus.PUBLISHED
    assert ready.published_at is not None
    assert homeless.status == ArticleStatus.DRAFT


def test_demo_seeds_twenty_or_more_articles_and_is_safe_to_run_twice():
    now = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)
    seed(now=now, stdout=io.StringIO())
    count = Article.objects.count()
    seed(now=now, stdout=io.StringIO())

    assert count >= 20
    assert Article.objects.count() == count
    assert Article.objects.filter(language="de").exclude(translation_of=None).exists()
    assert {"bc", "nav", "gp"} <= {w for a in Article.objects.all() for w in ("bc", "nav", "gp") if _mentions(a, w)}


def _mentions(article: Article, which: str) -> bool:
    text = f"{article.title} {article.body}".lower()
    return {"bc": "business central", "nav": "nav", "gp": "gp"}[which] in text


def test_support_engineers_may_write_articles_but_not_delete_them(engineer, lead):
    for user in (engineer, lead):
        assert user.has_perm("knowledgebase.add_article")
        assert user.has_perm("knowledgebase.change_article")
        assert user.has_perm("knowledgebase.change_category")
        assert user.has_perm("knowledgebase.view_deflectionevent")
        assert not user.has_perm("knowledgebase.delete_article")


def test_staff_without_the_permission_cannot_draft_from_incidents(client):
    from incidents.models import Incident

    clerk = StaffFactory(username="clara.clerk", group="Front desk")
    assert client.login(request=HttpRequest(), username=clerk.username, password=PASSWORD)
    response = client.post(reverse("kb:from-incident", kwargs={"number": "INC-2026-000001"}))
    assert response.status_code == 403
    assert not Incident.objects.exists()
