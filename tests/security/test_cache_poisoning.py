"""Issue 25 point 3: no request can poison a cached public page for later visitors. An
attacker's Host, port, scheme (X-Forwarded-Proto), Accept-Language, cookies and query tricks
either miss the honest visitor's entry or make the same bytes (core/public_cache.py: the key
holds scheme, host with port, the encoded parameters and the language; absolute links come
from SITE_URL)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory

from core.public_cache import PublicPage
from tests.portal.test_public_headers import PUBLIC_PAGES, article  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

EVIL = "31337"
TRICKS = {
    "host and scheme": {"HTTP_HOST": f"localhost:{EVIL}", "HTTP_X_FORWARDED_PROTO": "https"},
    "port": {"HTTP_HOST": f"testserver:{EVIL}"},
    "scheme": {"HTTP_X_FORWARDED_PROTO": "https"},
    "forwarded host": {"HTTP_X_FORWARDED_HOST": f"evil.example:{EVIL}"},
    "language": {"HTTP_ACCEPT_LANGUAGE": "de"},
    "language cookie": {"HTTP_COOKIE": "django_language=ja"},
    "unreadable csrf cookie": {"HTTP_COOKIE": "csrftoken=not-a-token"},
    "forged session and messages": {"HTTP_COOKIE": f"sessionid={EVIL}; messages={EVIL}"},
}
QUERIES = {"encoded ampersand": "page=2%26page%3D1", "unknown": f"utm_source={EVIL}", "as_of": "as_of=2000-01-01"}


@pytest.fixture
def production_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    settings.SITE_URL = "https://support.example.com"


def _honest(url: str):
    return Client().get(url)


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_no_trick_poisons_a_cached_page_for_the_next_visitor(article, production_proxy, url):  # noqa: F811
    cache.clear()
    reference = _honest(url)
    assert reference.status_code == 200
    tricks = [(url, headers) for headers in TRICKS.values()]
    tricks += [(f"{url}{'&' if '?' in url else '?'}{query}", {}) for query in QUERIES.values()]
    for trick_url, headers in tricks:
        cache.clear()
        attack = Client().get(trick_url, **headers)
        assert EVIL not in attack.content.decode(), (trick_url, headers)  # links from SITE_URL
        served = _honest(url)
        assert served.content == reference.content, (trick_url, headers)
        assert served["Content-Language"] == reference["Content-Language"]
        assert served["Cache-Control"].startswith("public")
        assert "Set-Cookie" not in served


@pytest.mark.parametrize("url", ["/sitemap.xml", "/help/feed/", "/help/feed/atom/"])
def test_absolute_links_come_from_the_site_address_never_the_host(article, production_proxy, url):  # noqa: F811
    body = Client().get(url, HTTP_HOST=f"localhost:{EVIL}", HTTP_X_FORWARDED_PROTO="https").content.decode()
    assert "https://support.example.com/help/" in body
    assert "localhost" not in body


def test_parameter_values_are_encoded_in_the_key():
    page = PublicPage(params=("page",), seconds=None, vary=None, bypass=None)
    factory = RequestFactory()
    smuggled = page.key(factory.get("/help/?page=2%26page%3D1"))
    assert smuggled != page.key(factory.get("/help/?page=2&page=1"))
    assert page.key(factory.get("/help/?page=2&utm_source=x")) == page.key(factory.get("/help/?page=2"))


def test_a_host_that_is_not_allowed_is_refused_before_the_cache(production_proxy):
    assert Client().get("/help/", HTTP_HOST="evil.example").status_code == 400


def test_production_refuses_a_wildcard_host(monkeypatch):
    import subprocess
    import sys

    env = {"ALLOWED_HOSTS": "*", "SECRET_KEY": "x" * 60, "DEBUG": "false", "PATH": "/usr/bin"}
    code = "import os; os.environ['DJANGO_SETTINGS_MODULE']='portal.settings'; import django; django.setup()"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert done.returncode != 0
    assert "ALLOWED_HOSTS" in done.stderr
