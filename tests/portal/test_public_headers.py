"""What a public page's answer lets a proxy or CDN keep: `public` for the same bytes for every
anonymous visitor, `private` for anything with the visitor in it (core/public_cache.py)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import reverse

from core import public_cache
from knowledgebase.models import ArticleVote
from tests.knowledgebase.kbfactories import ArticleFactory, CategoryFactory

pytestmark = pytest.mark.django_db

SLA = reverse("sla:page")
ESCALATION = reverse("escalation:page")
LAST_MONTH = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=30)).isoformat()


@pytest.fixture
def article(sla):
    return ArticleFactory(slug="posting-groups", category=CategoryFactory(slug="setup"))


PUBLIC_PAGES = [
    SLA,
    f"{SLA}?as_of={LAST_MONTH}",
    reverse("cfmd:lifecycle"),
    f"{reverse('cfmd:lifecycle')}?as_of={LAST_MONTH}",
    reverse("cfmd:lifecycle_calendar"),
    reverse("cfmd:contacts"),
    reverse("cfmd:roadmap"),
    reverse("cfmd:cfmd"),
    f"{reverse('cfmd:cfmd')}?as_of={LAST_MONTH}",
    reverse("cfmd:evidence_pack"),
    reverse("kb:index"),
    reverse("kb:faq"),
    reverse("kb:category", kwargs={"slug": "setup"}),
    reverse("kb:article", kwargs={"slug": "posting-groups"}),
    reverse("kb:feed"),
    reverse("kb:feed-atom"),
    reverse("sitemap"),
]


def assert_public(response) -> None:
    directives = [d.strip() for d in response["Cache-Control"].split(",")]
    assert directives[0] == "public", response["Cache-Control"]
    max_age = int(next(d for d in directives if d.startswith("max-age=")).split("=")[1])
    stale = [int(d.split("=")[1]) for d in directives if d.startswith("stale-while-revalidate=")]
    # A page that depends on the time is kept no longer than it stays true, and not stale
    # past it (test_a_page_that_depends_on_the_time_is_kept_no_longer_than_it_stays_true).
    assert 0 <= max_age <= settings.PUBLIC_PAGE_SECONDS
    assert stale == []  # nobody may serve it past its max-age: the freshness bound holds everywhere
    vary = {v.strip().lower() for v in response["Vary"].split(",")}
    assert {"accept-language", "cookie", "hx-request"} <= vary
    assert not response.cookies
    assert "Set-Cookie" not in response
    assert response["ETag"]
    assert response["Last-Modified"]


def assert_not_public(response) -> None:
    assert "public" not in response.get("Cache-Control", "")
    assert "private" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_public_page_may_be_kept_by_a_shared_cache(article, url):
    visitor = Client()
    rendered = visitor.get(url)  # rendered and stored
    served = visitor.get(url)  # answered from the shared cache
    for response in (rendered, served):
        assert response.status_code == 200, url
        assert_public(response)
        body = response.content.decode()
        assert "csrfmiddlewaretoken" not in body
    assert served.content == rendered.content  # the same bytes for everyone


def test_a_conditional_get_is_answered_304_with_the_same_headers(sla):
    etag = Client().get(SLA)["ETag"]
    response = Client().get(SLA, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert_public(response)


def test_a_visitor_who_has_the_csrf_cookie_gets_the_same_public_page(sla):
    """The cookie of a visit to a page with a form (or of a vote) does not change the page."""
    visitor = Client()
    visitor.get(reverse("csrf_cookie"))
    assert settings.CSRF_COOKIE_NAME in visitor.cookies
    assert_public(visitor.get(SLA))
    assert_public(visitor.get(SLA))


def test_the_escalation_page_keeps_its_form_with_a_token_and_stays_private(sla):
    """The one public page with a form that needs a token without JavaScript (the Microsoft
    engineer's escalation request): each visitor's own token, so it is not cached and private."""
    for visitor in (Client(), Client()):
        response = visitor.get(ESCALATION)
        directives = [d.strip() for d in response["Cache-Control"].split(",")]
        assert directives[0] == "private"
        assert "public" not in directives
        assert not any(d.startswith("stale-while-revalidate") for d in directives)
        assert 'name="csrfmiddlewaretoken"' in response.content.decode()
        assert settings.CSRF_COOKIE_NAME in response.cookies


@pytest.mark.parametrize("persona", ["customer", "engineer"])
@pytest.mark.parametrize("url", [SLA, reverse("cfmd:lifecycle"), reverse("kb:index"), ESCALATION])
def test_a_signed_in_visitor_never_gets_a_public_answer(request, sla, persona, url):
    Client().get(url)  # the anonymous rendering is in the cache
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    for response in (client.get(url), client.get(url)):
        assert response.status_code == 200
        assert_not_public(response)
        assert "no-store" in response["Cache-Control"]


def test_a_voters_page_shows_their_answer_and_is_private(article):
    url = reverse("kb:article", kwargs={"slug": article.slug})
    voter = Client()
    assert_public(voter.get(url))
    voted = voter.post(reverse("kb:vote", kwargs={"slug": article.slug}), {"helpful": "yes"})
    assert voted.status_code == 302
    assert ArticleVote.objects.filter(article=article).exists()

    with_message = voter.get(url)  # "Thank you", from the messages cookie
    assert "Thank you for your feedback." in with_message.content.decode()
    assert_not_public(with_message)
    after = voter.get(url)  # their session: "You answered already"
    assert "You answered already" in after.content.decode()
    assert_not_public(after)


def test_a_visitor_with_a_message_gets_a_private_page(sla):
    visitor = Client()
    storage = CookieStorage(HttpRequest())
    visitor.cookies[CookieStorage.cookie_name] = storage._encode([])
    assert_not_public(visitor.get(SLA))


def test_an_htmx_request_gets_a_private_fragment(sla):
    response = Client().get(SLA, headers={"HX-Request": "true"})
    assert_not_public(response)


def test_a_visitor_whose_csrf_cookie_cannot_be_read_gets_a_new_one_and_a_private_answer(sla):
    Client().get(SLA)
    visitor = Client()
    visitor.cookies[settings.CSRF_COOKIE_NAME] = "not-a-token"
    response = visitor.get(SLA)
    assert settings.CSRF_COOKIE_NAME in response.cookies  # Django's CSRF middleware replaces it
    assert_not_public(response)


def test_no_response_that_sets_a_cookie_says_public():
    def view(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("page")
        response["Cache-Control"] = "public, max-age=60, stale-while-revalidate=60"
        response.set_cookie("anything", "x")
        return response

    request = HttpRequest()
    request.method, request.path_info = "POST", "/"
    response = public_cache.PublicPageMiddleware(view)(request)
    assert_not_public(response)
    assert settings.MIDDLEWARE[0] == "core.public_cache.PublicPageMiddleware"  # the last word


def test_the_language_choice_on_a_cached_page_goes_back_to_the_page_without_anyone_elses_parameters(sla):
    first = Client().get(f"{SLA}?utm_source=newsletter&fbclid=someone").content.decode()
    assert f'name="next" value="{SLA}"' in first
    shared = Client().get(SLA).content.decode()
    assert "fbclid" not in shared
    as_of = Client().get(f"{SLA}?as_of={LAST_MONTH}&utm_source=x").content.decode()
    assert f'name="next" value="{SLA}?as_of={LAST_MONTH}"' in as_of


def test_the_csrf_cookie_is_given_on_its_own_and_readable_by_the_pages_script():
    response = Client().get(reverse("csrf_cookie"))
    assert response.status_code == 204
    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert not cookie["httponly"]  # static/js/portal.js reads it
    assert "no-store" in response["Cache-Control"]
    assert not settings.CSRF_COOKIE_HTTPONLY
    assert not settings.CSRF_USE_SESSIONS


def test_a_page_that_depends_on_the_time_is_kept_no_longer_than_it_stays_true(article, settings):
    """Every page is kept PUBLIC_PAGE_SECONDS at most (30 s), a page keyed by the quarter hour
    no longer than until the next one: a browser or proxy is told no more than what is left,
    with no stale-while-revalidate, so nobody shows it past that."""
    assert settings.PUBLIC_PAGE_SECONDS == 30
    with time_machine.travel(dt.datetime(2026, 11, 23, 15, 14, 0, tzinfo=dt.UTC), tick=False) as clock:
        assert Client().get(SLA)["Cache-Control"] == "public, max-age=30"  # rendered now
        clock.shift(20)
        kept = Client().get(SLA)
        assert kept["Cache-Control"] == "public, max-age=10", kept["Cache-Control"]
        clock.shift(15)  # past its 30 s: rendered again, true for 30 s more
        assert Client().get(SLA)["Cache-Control"] == "public, max-age=30"
        clock.move_to(dt.datetime(2026, 11, 23, 15, 29, 50, tzinfo=dt.UTC))
        assert Client().get(reverse("kb:index"))["Cache-Control"] == "public, max-age=10"  # until 15:30
        assert Client().get(reverse("kb:feed"))["Cache-Control"] == "public, max-age=30"
