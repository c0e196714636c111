"""Public pages served from the shared cache, never more than PUBLIC_PAGE_SECONDS stale.

The public pages (SLA, lifecycle, contacts, roadmap, CfMD, the help centre, its feeds, the
sitemap) are the same bytes for every anonymous visitor per language. `PublicPageMiddleware`,
first in MIDDLEWARE, answers an anonymous GET of a `public_page` view from the shared cache
before any other middleware runs, with the headers the rest of the stack gave the stored
rendering (security headers, CSP, Content-Language, Vary), as Django's `cache_page` does.

**The key** is everything the rendering depends on: scheme, host (with its port), path, the
query parameters the page reads (encoded, so `?page=2%26page%3D1` is not `?page=2&page=1`;
`?utm_source=…` neither changes the answer nor fills the cache), the language the request
asks for, the release (`core.public_version`) and what `vary` returns. Absolute links (the
sitemap, the feeds) come from SITE_URL anyway, never from the request's Host.

**Freshness**: every entry expires PUBLIC_PAGE_SECONDS after its rendering began (sooner for
a page that depends on the time: `expires`, or `vary`'s `until`), and a browser or proxy is
told only what is left of that (`max-age`, no `stale-while-revalidate`). So an edit is seen
by every visitor at most PUBLIC_PAGE_SECONDS (30 s) after it commits, whatever wrote it.
The content version (`core.public_version`) only makes that sooner: an entry rendered under
another version is a miss.

Never stored: a request with a session, messages or unreadable CSRF cookie, an htmx
request, any answer but a 200 without cookies. Whatever else a `public_page` view answers is
`private`; no answer that sets a cookie says `public`. A cache that is down is a miss
(django-redis' `IGNORE_EXCEPTIONS`): the page is rendered.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, urlencode

from core.public_version import VERSION_KEY, release_id, version_read

_PAGE = "_public_page"  # on the request: (page, key, version, began) while it is rendered for the cache
_CSRF_COOKIE = re.compile(r"[a-zA-Z0-9]{32}|[a-zA-Z0-9]{64}")
_NOT_STORED = {"cache-control", "etag", "last-modified", "expires", "set-cookie"}


def page_path(request: HttpRequest) -> dict[str, str]:
    """Context processor: the page's path for links back to it (the language choice's
    `next`); for a rendering for the cache, only the query parameters the page reads."""
    rendering = getattr(request, _PAGE, None)
    return {"page_path": rendering[0].path(request) if rendering else request.get_full_path()}


@dataclass(frozen=True)
class PublicPage:
    params: tuple[str, ...]
    seconds: int | None
    vary: Callable[[HttpRequest], str] | None
    bypass: Callable[[HttpRequest], bool] | None

    def applies(self, request: HttpRequest) -> bool:
        csrf = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
        return (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and CookieStorage.cookie_name not in request.COOKIES
            and (csrf is None or _CSRF_COOKIE.fullmatch(csrf) is not None)
            and "HX-Request" not in request.headers
            and (request.is_secure() or not getattr(settings, "SECURE_SSL_REDIRECT", False))
            and not (self.bypass is not None and self.bypass(request))
        )

    def path(self, request: HttpRequest) -> str:
        query = urlencode([(name, value) for name in self.params for value in request.GET.getlist(name)])
        return f"{request.path}?{query}" if query else request.path

    def key(self, request: HttpRequest) -> str:
        language = translation.get_language_from_request(request)
        vary = self.vary(request) if self.vary else ""
        parts = [release_id(), request.scheme or "", request.get_host(), self.path(request), language, vary]
        return "public-page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def lifetime(self, began: float) -> float:
        """Seconds from `began` that a rendering begun then stays true."""
        seconds = min(settings.PUBLIC_PAGE_SECONDS, self.seconds or settings.PUBLIC_PAGE_SECONDS)
        until = getattr(self.vary, "until", None)
        return min(seconds, until(began) - began) if until is not None else seconds


def public_page(
    *,
    params: Iterable[str] = (),
    expires: int | None = None,
    vary: Callable[[HttpRequest], str] | None = None,
    bypass: Callable[[HttpRequest], bool] | None = None,
) -> Callable:
    """Serve the view's anonymous GETs from the shared cache (see the module docstring).

    `params`: the query parameters the page reads; `expires`: seconds a rendering stays
    true if less than PUBLIC_PAGE_SECONDS; `vary`: more of the key (e.g. the quarter hour,
    with an `until` saying when it changes); `bypass`: requests rendered every time."""
    page = PublicPage(params=tuple(sorted(params)), seconds=expires, vary=vary, bypass=bypass)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            return view(request, *args, **kwargs)

        wrapped.public_page = page  # type: ignore[attr-defined]  # read by PublicPageMiddleware
        return wrapped

    return decorator


def _answer(request: HttpRequest, response: HttpResponse, etag: str, modified: float, max_age: int) -> HttpResponse:
    conditional = get_conditional_response(request, etag=etag, last_modified=int(modified), response=response)
    conditional["ETag"], conditional["Last-Modified"] = etag, http_date(modified)
    conditional["Cache-Control"] = f"public, max-age={max(0, max_age)}"
    return conditional


class PublicPageMiddleware:
    """First in MIDDLEWARE: answers a cached public page before everything else, stores a
    page rendered for the cache, and has the last word on `Cache-Control`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        page = self._page(request)
        if page is not None and page.applies(request):
            key = page.key(request)
            found = cache.get_many([VERSION_KEY, key])
            version = found.get(VERSION_KEY) or version_read()
            entry = found.get(key)
            if entry is not None and entry[0] == version and entry[5] > time.time():
                _, body, headers, etag, modified, expires = entry
                response = HttpResponse(body, headers=headers)
                return _answer(request, response, etag, modified, int(expires - time.time()))
            setattr(request, _PAGE, (page, key, version, time.time()))
        response = self.get_response(request)
        rendering = getattr(request, _PAGE, None)
        if rendering is not None and self._storable(response):
            page, key, version, began = rendering
            expires = began + page.lifetime(began)
            etag = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
            # What a proxy in front must key its copy by: the language, the cookies (a session
            # misses its copy), htmx (fragments).
            patch_vary_headers(response, ("Accept-Language", "Cookie", "HX-Request"))
            headers = {name: value for name, value in response.items() if name.lower() not in _NOT_STORED}
            entry = (version, response.content, headers, etag, time.time(), expires)
            cache.set(key, entry, timeout=max(1, int(expires - time.time())))
            return _answer(request, response, etag, entry[4], int(expires - time.time()))
        if page is not None or (response.cookies and "public" in response.get("Cache-Control", "")):
            patch_cache_control(response, private=True)  # for this visitor only
        return response

    @staticmethod
    def _page(request: HttpRequest) -> PublicPage | None:
        return _page_at(request.path_info) if request.method in ("GET", "HEAD") else None

    @staticmethod
    def _storable(response: HttpResponse) -> bool:
        control = response.get("Cache-Control", "")
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "private" not in control
            and "no-store" not in control
        )


@lru_cache(maxsize=4096)
def _page_at(path: str) -> PublicPage | None:
    """The `public_page` of the view at `path`, if any: resolved once per path and process
    (a fifth of a cached page's CPU otherwise); forgotten when a test changes the URLconf."""
    try:
        return getattr(resolve(path).func, "public_page", None)
    except Resolver404:
        return None


@receiver(setting_changed)
def _urlconf_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "ROOT_URLCONF":
        _page_at.cache_clear()


def every_quarter_hour(request: HttpRequest) -> str:
    """`vary` for a page that shows "today" in some zone: rendered again every quarter of an
    hour, so it is never stale past midnight in any zone (all offsets are whole quarters)."""
    return str(int(time.time() // 900))


# When the rendering keyed by `every_quarter_hour` stops being true: the next quarter.
every_quarter_hour.until = lambda now: (now // 900 + 1) * 900  # type: ignore[attr-defined]
