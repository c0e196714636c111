"""Public pages come from the shared cache; a change shows within PUBLIC_PAGE_SECONDS whoever
wrote it, and on the very next request when its writer bumps the content version."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.public_version import public_version_bump
from escalation.models import EscalationContact
from knowledgebase.models import Article, ArticleStatus, Category
from lifecycle.models import PolicyKind, Product, ProductVersion
from sla.models import DateException, OpeningInterval, ResponseTarget

pytestmark = pytest.mark.django_db

SLA = reverse("sla:page")


def queries(client: Client, url: str, **extra) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    return len(ctx.captured_queries), response


def test_the_second_visit_costs_no_query_and_says_so_in_its_headers(client, sla):
    first, response = queries(client, SLA)
    assert response.status_code == 200
    assert first > 0
    again, cached = queries(client, SLA)
    assert again == 0
    assert cached.content == response.content
    assert cached["ETag"].startswith('"')
    assert "Last-Modified" in cached
    assert cached["Cache-Control"].startswith("public, max-age=")  # tests/portal/test_public_headers.py
    assert "Accept-Language" in cached["Vary"]
    # Answered early (PublicPageMiddleware), still with the site's security headers.
    assert cached["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in cached["Content-Security-Policy"]
    assert cached["Content-Language"] == "en"


def test_a_conditional_get_is_answered_304(client, sla):
    etag = client.get(SLA)["ETag"]
    response = client.get(SLA, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""


def test_unknown_query_parameters_neither_fragment_the_cache_nor_change_the_page(client, sla):
    client.get(SLA)
    count, response = queries(client, SLA + "?utm_source=newsletter&fbclid=x")
    assert count == 0
    assert response.status_code == 200
    # A parameter the page reads is its own entry.
    count, _ = queries(client, SLA + "?as_of=2026-01-15")
    assert count > 0


def test_each_language_is_its_own_entry(client, sla):
    english = client.get(SLA, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    german = client.get(SLA, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'lang="de"' in german
    assert 'lang="en"' in english


def test_every_visitor_gets_their_own_working_csrf_token(sla):
    """The escalation page keeps its form's token: it is not cached, each visitor gets their own."""
    url = reverse("escalation:page")
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get(url)
    page = second.get(url).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = second.post(url, {"csrfmiddlewaretoken": token, "name": ""})
    assert response.status_code == 400  # the form's answer (a required field), not CSRF's 403
    assert second.post(url, {"name": ""}).status_code == 403


def test_signed_in_people_get_their_own_page(client, customer, sla):
    client.get(SLA)
    client.force_login(customer)
    count, response = queries(client, SLA)
    assert count > 0
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("url", "change", "shows"),
    [
        (
            SLA,
            lambda: (
                ResponseTarget.objects.filter(plan__code="SUB", severity__code="A").update(minutes=77)
                or _save_first(ResponseTarget, minutes=77)
            ),
            "77",
        ),
        (SLA, lambda: _save_first(OpeningInterval, opens_at=dt.time(5, 17)), "05:17"),
        (SLA, lambda: _holiday(), "Founders"),
        (
            reverse("cfmd:contacts"),
            lambda: EscalationContact.objects.create(
                name="Zelda Escalator",
                role="Head of support",
                email="z@example.com",
                phone="+1 555 0199",
                is_public=True,
            ),
            "Zelda Escalator",
        ),
        (reverse("cfmd:lifecycle"), lambda: _version("99.7"), "99.7"),
        (
            reverse("escalation:page"),
            lambda: EscalationContact.objects.create(
                name="Yann Pager", role="Duty manager", email="y@example.com", phone="+1 555 0198", is_public=True
            ),
            "Yann Pager",
        ),
        (
            reverse("kb:index"),
            lambda: _article("Posting groups explained in depth"),
            "Posting groups explained in depth",
        ),
    ],
)
def test_a_change_shows_on_the_very_next_request(client, sla, url, change, shows):
    client.get(url)
    assert shows not in client.get(url).content.decode()
    change()
    assert shows in client.get(url).content.decode()


def _save_first(model, **values):
    row = model.objects.order_by("pk").first()
    for name, value in values.items():
        setattr(row, name, value)
    row.save()


def _contact() -> int:
    contact = EscalationContact.objects.create(
        name="Wendy Pager", role="Duty manager", email="w@example.com", phone="+1 555 0197", is_public=True
    )
    return contact.pk


def _holiday():
    region = OpeningInterval.objects.first().region
    today = dt.datetime.now(dt.UTC).date()
    DateException.objects.create(region=region, on=today + dt.timedelta(days=3), kind="closed", note="Founders day")


def _version(number: str):
    product = Product.objects.first() or Product.objects.create(name="Contoso Advanced Warehousing")
    ProductVersion.objects.create(
        product=product, version=number, policy=PolicyKind.MODERN, released_on=dt.datetime.now(dt.UTC).date()
    )


def _article(title: str) -> int:
    category = Category.objects.first() or Category.objects.create(name="Setup", slug="setup")
    return Article.objects.create(
        title=title,
        slug=title.lower().replace(" ", "-"),
        body="Text",
        category=category,
        status=ArticleStatus.PUBLISHED,
        published_at=dt.datetime.now(dt.UTC),
        language="en",
    ).pk


def test_a_change_that_no_one_announced_shows_within_the_public_page_seconds(client, sla):
    """A queryset update sends no signal and bumps nothing: the entry's expiry is the bound."""
    pages = {reverse("cfmd:contacts"): _contact(), reverse("kb:index"): _article("Stock counts")}
    with time_machine.travel(dt.datetime(2026, 11, 23, 15, 1, 0, tzinfo=dt.UTC), tick=False) as clock:
        for url in pages:
            client.get(url)
        EscalationContact.objects.filter(pk=pages[reverse("cfmd:contacts")]).update(name="Xavi Renamed")
        Article.objects.filter(pk=pages[reverse("kb:index")]).update(title="Recounts")
        clock.shift(settings.PUBLIC_PAGE_SECONDS - 1)
        for url, shows in zip(pages, ["Xavi", "Recounts"], strict=True):
            assert shows not in client.get(url).content.decode()  # still the kept rendering
        clock.shift(1)
        for url, shows in zip(pages, ["Xavi", "Recounts"], strict=True):
            assert shows in client.get(url).content.decode()


def test_the_content_version_is_shared_by_every_process(client, sla, settings, tmp_path):
    """Two processes on one cache: a change written by another process (here one that only
    bumps the version, as its post_save would) is seen by this one at once."""
    location = tmp_path / "cache"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(location)},
        "sla_fragments": settings.CACHES["sla_fragments"],
    }
    client.get(SLA)
    assert queries(client, SLA)[0] == 0
    env = {
        **os.environ,
        "DEBUG": "true",
        "CACHE_URL": f"filecache://{location}",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    env.pop("PORTAL_TESTING", None)
    code = "import django; django.setup(); from core.public_version import public_version_bump; public_version_bump()"
    subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, cwd=Path(__file__).resolve().parents[2], timeout=60
    )
    assert queries(client, SLA)[0] > 0  # rendered again


def test_a_page_rendered_while_a_change_commits_is_not_kept(client, sla, django_capture_on_commit_callbacks):
    """The version moves when the change is written and again when it commits: a page
    rendered in between, from the data before the commit, is not served afterwards."""
    client.get(SLA)
    with django_capture_on_commit_callbacks() as callbacks:
        _save_first(OpeningInterval, opens_at=dt.time(5, 17))
        public_version_bump()  # as the save's signal did
        client.get(SLA)  # another request renders and stores the page before the commit
    for callback in callbacks:
        callback()
    count, response = queries(client, SLA)
    assert count > 0  # rendered again after the commit
    assert "05:17" in response.content.decode()
