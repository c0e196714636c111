"""The public knowledge-base pages: who sees what, and what each page shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from knowledgebase.models import ArticleKind, ArticleStatus, ArticleVisibility, ArticleVote
from tests.factories import PASSWORD
from tests.knowledgebase.kbfactories import ArticleFactory, CategoryFactory

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    assert client.login(request=HttpRequest(), username=user.username, password=PASSWORD)
    return client


def article_url(article) -> str:
    return reverse("kb:article", kwargs={"slug": article.slug})


def test_index_lists_categories_in_order_with_their_articles(client, django_assert_max_num_queries):
    later = CategoryFactory(name="Troubleshooting", slug="troubleshooting", order=20)
    first = CategoryFactory(name="Getting started", slug="getting-started", order=10)
    ArticleFactory(title="Install from AppSource", category=first)
    ArticleFactory(title="Blank bin codes", category=later)
    ArticleFactory(title="Internal runbook", category=later, visibility=ArticleVisibility.INTERNAL)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("kb:index"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Getting started") < html.index("Troubleshooting")
    assert "Install from AppSource" in html
    assert "Internal runbook" not in html


def test_index_shows_a_helpful_empty_state_without_articles(client):
    response = client.get(reverse("kb:index"))
    assert "No articles yet" in response.content.decode()


def test_category_page_paginates(client):
    category = CategoryFactory(slug="labels")
    for n in range(25):
        ArticleFactory(title=f"Label article {n:02d}", category=category)

    first = client.get(reverse("kb:category", kwargs={"slug": "labels"}))
    second = client.get(reverse("kb:category", kwargs={"slug": "labels"}) + "?page=2")

    assert first.content.decode().count('class="kb-item"') == 20
    assert second.content.decode().count('class="kb-item"') == 5
    assert "Page 2 of 2" in second.content.decode()


def test_article_page_shows_body_last_reviewed_related_and_translations(client):
    category = CategoryFactory(slug="troubleshooting")
    article = ArticleFactory(
        title="Pick list prints blank bin codes",
        body="## Solution\n\nUpdate to **24.3.2**.",
        category=category,
        last_reviewed_on=dt.date(2026, 11, 2),
    )
    ArticleFactory(title="Label printing", category=category)
    ArticleFactory(title="Pickliste", language="de", translation_of=article, category=category)

    html = client.get(article_url(article)).content.decode()

    assert "<h2>Solution</h2>" in html
    assert "<strong>24.3.2</strong>" in html
    assert "Last reviewed" in html
    assert "2 November 2026" in html
    assert "Label printing" in html  # related
    assert "Deutsch: Pickliste" in html  # translation link
    assert "Was this article helpful?" in html


def test_article_page_escapes_title_and_summary(client):
    article = ArticleFactory(title="<script>alert(1)</script>", summary='<img src=x onerror="alert(1)">')
    html = client.get(article_url(article)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html


def test_customers_only_articles_ask_visitors_to_sign_in(client, customer):
    article = ArticleFactory(visibility=ArticleVisibility.CUSTOMERS)

    response = client.get(article_url(article))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))

    assert signed_in(client, customer).get(article_url(article)).status_code == 200


def test_internal_articles_are_not_found_for_customers_and_visitors(client, customer, engineer):
    article = ArticleFactory(visibility=ArticleVisibility.INTERNAL)

    assert client.get(article_url(article)).status_code == 404
    assert signed_in(client, customer).get(article_url(article)).status_code == 404
    client.logout()
    assert signed_in(client, engineer).get(article_url(article)).status_code == 200


def test_drafts_are_only_previewed_by_staff(client, customer, engineer):
    draft = ArticleFactory(status=ArticleStatus.DRAFT, published_at=None)

    assert signed_in(client, customer).get(article_url(draft)).status_code == 404
    client.logout()
    response = signed_in(client, engineer).get(article_url(draft))
    assert response.status_code == 200
    assert "Preview: this article is not published" in response.content.decode()


def test_faq_page_shows_questions_with_answers(client):
    ArticleFactory(title="Can we try it in a sandbox?", body="Yes, for **30 days**.", kind=ArticleKind.FAQ)
    ArticleFactory(title="A how-to", kind=ArticleKind.HOW_TO)

    html = client.get(reverse("kb:faq")).content.decode()

    assert "Can we try it in a sandbox?" in html
    assert "<strong>30 days</strong>" in html
    assert "A how-to" not in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "What are you looking for?"),
        ("?!…---", "Type a word to search for"),
        ("zzqx nothing matches", "No articles match your search"),
    ],
)
def test_search_page_empty_states(client, query, expected):
    ArticleFactory(title="Bins")
    response = client.get(reverse("kb:search"), {"q": query})
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_search_page_with_a_ten_thousand_character_query_says_it_was_cut(client):
    response = client.get(reverse("kb:search"), {"q": "bins " * 2000})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your search was very long" in html


def test_search_page_ignores_unknown_filters(client):
    ArticleFactory(title="Scanner setup")
    response = client.get(reverse("kb:search"), {"q": "scanner", "category": "nope", "product": "x", "version": "abc"})
    assert response.status_code == 200
    assert "Scanner setup" in response.content.decode()


def test_search_page_links_to_further_pages_keeping_the_query(client):
    for n in range(12):
        ArticleFactory(title=f"Zebra printer {n}")
    html = client.get(reverse("kb:search"), {"q": "zebra"}).content.decode()
    assert "q=zebra&amp;page=2" in html


def test_a_signed_in_person_votes_once_and_can_change_their_answer(client, customer):
    article = ArticleFactory()
    signed_in(client, customer)
    url = reverse("kb:vote", kwargs={"slug": article.slug})

    client.post(url, {"helpful": "yes"})
    client.post(url, {"helpful": "no"})

    assert ArticleVote.objects.filter(article=article).count() == 1
    assert ArticleVote.objects.get(article=article).is_helpful is False


def test_a_visitor_votes_once_per_session(client):
    article = ArticleFactory()
    url = reverse("kb:vote", kwargs={"slug": article.slug})

    first = client.post(url, {"helpful": "yes"})
    client.post(url, {"helpful": "yes"})

    assert first.status_code == 302
    assert ArticleVote.objects.filter(article=article).count() == 1
    vote = ArticleVote.objects.get()
    assert vote.user is None
    assert vote.session_key


def test_votes_with_htmx_return_the_thank_you_fragment(client):
    article = ArticleFactory()
    response = client.post(
        reverse("kb:vote", kwargs={"slug": article.slug}), {"helpful": "no"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "Thank you for your feedback." in html
    assert "<html" not in html


def test_a_visitor_votes_with_javascript_taking_the_token_from_the_cookie():
    """What static/js/portal.js does: the article sets no cookie, the CSRF cookie comes from
    its own URL, and htmx sends the cookie's value as X-CSRFToken."""
    article = ArticleFactory()
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(article_url(article))
    assert "csrfmiddlewaretoken" not in page.content.decode()
    assert not page.cookies
    url = reverse("kb:vote", kwargs={"slug": article.slug})
    assert browser.post(url, {"helpful": "yes"}, headers={"HX-Request": "true"}).status_code == 403  # no cookie yet

    assert browser.get(reverse("csrf_cookie")).status_code == 204
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    response = browser.post(url, {"helpful": "yes"}, headers={"HX-Request": "true", "X-CSRFToken": token})

    assert response.status_code == 200
    assert "Thank you for your feedback." in response.content.decode()
    assert ArticleVote.objects.get(article=article).is_helpful is True


def test_a_forged_vote_is_refused():
    article = ArticleFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.get(reverse("csrf_cookie"))
    url = reverse("kb:vote", kwargs={"slug": article.slug})
    forged = browser.post(url, {"helpful": "no"}, headers={"HX-Request": "true", "X-CSRFToken": "x" * 32})
    assert forged.status_code == 403
    assert not ArticleVote.objects.exists()


def test_without_javascript_the_answer_is_asked_again_with_a_token_and_then_recorded():
    article = ArticleFactory()
    browser = Client(enforce_csrf_checks=True)
    url = reverse("kb:vote", kwargs={"slug": article.slug})
    assert f'<form method="get" action="{url}"' in browser.get(article_url(article)).content.decode()

    again = browser.get(url, {"helpful": "no"})  # what the article's form does without JavaScript
    html = again.content.decode()
    assert again.status_code == 200
    assert "no-store" in again["Cache-Control"]
    assert f'<form method="post" action="{url}"' in html
    assert '<meta name="robots" content="noindex">' in html  # a crawler that submits GET forms lands here
    assert not ArticleVote.objects.exists()  # a GET records nothing
    token = html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = browser.post(url, {"helpful": "no", "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert response["Location"] == article_url(article) + "#helpful"
    assert ArticleVote.objects.get(article=article).is_helpful is False
    assert "Thank you for your feedback." in browser.get(response["Location"]).content.decode()


def test_the_question_page_is_not_shown_for_a_draft(client):
    article = ArticleFactory(status=ArticleStatus.DRAFT)
    assert client.get(reverse("kb:vote", kwargs={"slug": article.slug})).status_code == 404


def test_a_vote_without_an_answer_is_refused(client):
    article = ArticleFactory()
    response = client.post(reverse("kb:vote", kwargs={"slug": article.slug}), {"helpful": "maybe"})
    assert response.status_code == 400
    assert not ArticleVote.objects.exists()


def test_visitors_cannot_vote_on_internal_articles(client):
    article = ArticleFactory(visibility=ArticleVisibility.INTERNAL)
    response = client.post(reverse("kb:vote", kwargs={"slug": article.slug}), {"helpful": "yes"})
    assert response.status_code == 404


def test_feeds_list_new_public_articles_only(client):
    ArticleFactory(title="Public release note", summary="What changed.")
    ArticleFactory(title="Customers only note", visibility=ArticleVisibility.CUSTOMERS)
    ArticleFactory(title="Draft note", status=ArticleStatus.DRAFT, published_at=None)

    rss = client.get(reverse("kb:feed"))
    atom = client.get(reverse("kb:feed-atom"))

    assert rss["Content-Type"].startswith("application/rss+xml")
    assert atom["Content-Type"].startswith("application/atom+xml")
    for response in (rss, atom):
        body = response.content.decode()
        assert "Public release note" in body
        assert "Customers only note" not in body
        assert "Draft note" not in body


def test_sitemap_lists_public_articles_and_pages_only(client):
    public = ArticleFactory(slug="public-one")
    ArticleFactory(slug="customers-one", visibility=ArticleVisibility.CUSTOMERS)
    ArticleFactory(slug="draft-one", status=ArticleStatus.DRAFT, published_at=None)

    body = client.get("/sitemap.xml").content.decode()

    assert f"/help/articles/{public.slug}/" in body
    assert "/help/faq/" in body
    assert f"/help/category/{public.category.slug}/" in body
    assert "customers-one" not in body
    assert "draft-one" not in body


def test_hot_paths_use_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    category = CategoryFactory(slug="scanners")
    article = ArticleFactory(title="Zebra scanner setup", category=category)
    for n in range(8):
        ArticleFactory(title=f"Zebra printer {n}", category=category)

    with django_assert_max_num_queries(10):
        assert client.get(article_url(article)).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("kb:suggest"), {"title": "zebra scanner"}).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("kb:search"), {"q": "zebra"}).status_code == 200
