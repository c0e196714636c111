"""Public pages served from the shared cache, always current.

The public pages (the SLA, lifecycle, contacts, roadmap, CfMD pages and the help centre)
change a few times a month and every anonymous visitor gets the same bytes per language. So
an anonymous GET is answered from the shared cache (`CACHE_URL`, one for every process),
keyed by:

- the page (its path and only the query parameters it reads: `?utm_source=…` or any other
  unknown parameter neither changes the answer nor fills the cache),
- the language and time zone the page is rendered in,
- the release (`release_id`: the templates, static files and translations this process
  runs), so a deploy never serves a page rendered by the previous one,
- and, for a page that depends on the time, what its `vary` function returns (e.g. the
  quarter of an hour) and a short expiry (the SLA page's "open now").

An entry is valid only under the **public content version** it was rendered under: a token in
the shared cache that every write to the data behind these pages replaces
(`core.public_version.public_version_bump`: each app connects its public models' saves and deletes to it, plus
migrations and queryset updates). The entry and the current version are read in one round
trip; another version is a miss. So a change shows on the very next request in every
process, with no expiry to wait out.

Never cached: a request that carries a session or a message cookie (a signed-in user's or a
voter's page), a response that sets a cookie, any status but 200. A cache that cannot be
reached renders the page (`core.cache_guard` logs the outage once a minute).

What the answer lets others keep (`Cache-Control`), decided from what was rendered, not
from a list of pages:

- A rendering without the visitor's CSRF token is the same bytes for every anonymous
  visitor: `public, max-age=…, stale-while-revalidate=…`, so a reverse proxy or CDN in front
  may keep it too, with `Vary: Accept-Language, Cookie, HX-Request` (the language comes from
  the browser or the language cookie; a signed-in visitor's session cookie must miss the
  proxy's copy; htmx requests get fragments). The pages hold no token: the language choice
  is a GET form, htmx reads the token from its cookie (`static/js/portal.js`) and the
  knowledge-base vote form asks for it only when it is sent.
- A page that keeps a form with a CSRF token (the escalation page's) is rendered for the
  cache with a placeholder in its place (`csrf_placeholder`, a context processor) and each
  visitor's own token is put in when it is served; so the bytes differ per visitor and the
  answer says `private, max-age=…`: a browser keeps it, a shared proxy does not.
- Anything else a `public_page` view answers (a signed-in or voting visitor's page, one
  with messages, an htmx fragment, a POST, an error, a rendering that set a cookie) is
  `private` (and signed-in pages `no-store`, `portal.middleware.NoStoreMiddleware`); a
  response that sets a cookie is never `public`, whatever set it
  (`PublicHeaderGuardMiddleware`, outermost).

Either way `ETag` (a hash of the cached rendering) and `Last-Modified` (when it was made)
answer conditional GETs with 304. A proxy keeps a page for `max-age`, so a change reaches its
visitors within that (plus `stale-while-revalidate`, while it fetches the new one); the
server's own cache has it on the next request.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, urlencode

from core.cache_guard import CacheUnavailable, cache_call, cache_call_or
from core.public_version import VERSION_KEY, release_id, version_read

CSRF_PLACEHOLDER = "public-page-csrf-token-placeholder"
# While a page is rendered for the cache: its shared path (only the query parameters it reads).
_RENDERING_FOR_CACHE = "_public_page_render"
_LOOKED_UP = "_public_page_key"
DEFAULT_MAX_AGE = 60
# How long a proxy may serve a page past max-age while it fetches it again (at most max-age).
STALE_WHILE_REVALIDATE = 60
# How long an entry may live at most (a safety net; versions make entries obsolete anyway).
ENTRY_TIMEOUT = 24 * 3600


def csrf_placeholder(request: HttpRequest) -> dict[str, str]:
    """Context processor: while a page is rendered for the cache, its CSRF token is a
    placeholder (it comes after Django's built-in `csrf` processor, so it wins)."""
    return {"csrf_token": CSRF_PLACEHOLDER} if getattr(request, _RENDERING_FOR_CACHE, None) else {}


def page_path(request: HttpRequest) -> dict[str, str]:
    """Context processor: `page_path`, the page's path for links back to it (the language
    choice's `next`). While a page is rendered for the cache, only the query parameters it
    reads: its rendering is served for every URL that differs in others (`?utm_source=…`)."""
    return {"page_path": getattr(request, _RENDERING_FOR_CACHE, None) or request.get_full_path()}


def _cacheable_request(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and "HX-Request" not in request.headers
    )


def _cacheable_response(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.cookies
        and not response.streaming
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
    )


def _page_query(request: HttpRequest, params: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(name, value) for name in params for value in request.GET.getlist(name)]


def _page_path(request: HttpRequest, params: tuple[str, ...]) -> str:
    query = urlencode(_page_query(request, params))
    return f"{request.path}?{query}" if query else request.path


def _page_key(request: HttpRequest, params: tuple[str, ...], vary: str) -> str:
    query = "&".join(f"{name}={value}" for name, value in _page_query(request, params))
    parts = [
        release_id(),
        request.path,
        query,
        translation.get_language() or "",
        timezone.get_current_timezone_name(),
        vary,
    ]
    return "public-page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _with_token(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The visitor's own CSRF token where the rendering has the placeholder (the CSRF
    middleware then sets its cookie)."""
    placeholder = CSRF_PLACEHOLDER.encode()
    if not response.streaming and placeholder in response.content:
        response.content = response.content.replace(placeholder, get_token(request).encode())
    return response


def _private(response: HttpResponse) -> HttpResponse:
    """A `public_page` view's answer that is not the shared rendering: for this visitor only."""
    patch_cache_control(response, private=True)
    return response


def _headers(
    response: HttpResponse, *, etag: str, modified: float, max_age: int, shared: bool, timed: bool = False
) -> HttpResponse:
    """`timed`: the page depends on the time and `max_age` is what is left of its truth, so
    nobody may serve it stale past that (no `stale-while-revalidate`)."""
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified)
    if shared and not timed:
        stale = min(STALE_WHILE_REVALIDATE, max_age)
        response["Cache-Control"] = f"public, max-age={max_age}, stale-while-revalidate={stale}"
    else:
        response["Cache-Control"] = f"{'public' if shared else 'private'}, max-age={max_age}"
    patch_vary_headers(response, ("Accept-Language", "Cookie", "HX-Request"))
    return response


@dataclass(frozen=True)
class PublicPage:
    """How one view's page is cached (see `public_page`)."""

    params: tuple[str, ...]
    timeout: int
    max_age: int
    vary: Callable[[HttpRequest], str] | None
    bypass: Callable[[HttpRequest], bool] | None

    def applies(self, request: HttpRequest) -> bool:
        return _cacheable_request(request) and not (self.bypass is not None and self.bypass(request))

    def key(self, request: HttpRequest) -> str:
        return _page_key(request, self.params, self.vary(request) if self.vary else "")

    def lookup(self, request: HttpRequest) -> tuple[str, str, tuple | None]:
        """(key, current content version, the entry if it was rendered under that version),
        in one round trip to the cache; raises `CacheUnavailable` when it is down."""
        key = self.key(request)
        found = cache_call(cache.get_many, [VERSION_KEY, key])
        version = found.get(VERSION_KEY)
        if version is None:
            version = cache_call(version_read)
        entry = found.get(key)
        return key, version[0], entry[1:] if entry is not None and entry[0] == version[0] else None

    def true_for(self, modified: float, now: float) -> int:
        """Seconds the rendering made at `modified` stays true: a page that depends on the
        time (an expiry, or a `vary` with an `until`) tells a browser or proxy no more than
        what is left, so it is never shown stale past the instant it changes."""
        seconds = float(self.max_age)
        if self.timeout < ENTRY_TIMEOUT:
            seconds = min(seconds, modified + self.timeout - now)
        until = getattr(self.vary, "until", None)
        if until is not None:
            seconds = min(seconds, until(now) - now)
        return max(0, int(seconds))

    @property
    def timed(self) -> bool:
        return self.timeout < ENTRY_TIMEOUT or getattr(self.vary, "until", None) is not None

    def answer(self, request: HttpRequest, entry: tuple) -> HttpResponse:
        # Last-Modified: when this rendering was made (the content is as of then).
        body, content_type, etag, modified = entry
        max_age = self.true_for(modified, time.time())
        # Shared unless the rendering holds the per-visitor token or the CSRF middleware is
        # about to set its cookie (a visitor whose cookie it could not read).
        shared = CSRF_PLACEHOLDER.encode() not in body and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        conditional = get_conditional_response(request, etag=etag, last_modified=int(modified))
        if conditional is not None:
            return _headers(conditional, etag=etag, modified=modified, max_age=max_age, shared=shared, timed=self.timed)
        response = HttpResponse(body, content_type=content_type)
        if not shared:
            response = _with_token(request, response)
        return _headers(response, etag=etag, modified=modified, max_age=max_age, shared=shared, timed=self.timed)

    def serve(self, view: Callable[..., HttpResponse], request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.applies(request):
            return _private(view(request, *args, **kwargs))
        # The middleware looked already and missed: (key, version).
        looked_up: tuple[str, str] | None = getattr(request, _LOOKED_UP, None)
        try:
            key, version, entry = (*looked_up, None) if looked_up else self.lookup(request)
        except CacheUnavailable:  # logged by core.cache_guard
            return _private(view(request, *args, **kwargs))
        if entry is None:
            setattr(request, _RENDERING_FOR_CACHE, _page_path(request, self.params))
            try:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
            finally:
                setattr(request, _RENDERING_FOR_CACHE, None)
            if not _cacheable_response(request, response):
                return _private(_with_token(request, response))
            body = response.content
            entry = (body, response["Content-Type"], f'"{hashlib.sha256(body).hexdigest()[:32]}"', time.time())
            # Stored with the version it was rendered under: a later version makes it a miss.
            cache_call_or(None, cache.set, key, (version, *entry), timeout=self.timeout)
        return self.answer(request, entry)


def public_page(
    *,
    params: Iterable[str] = (),
    expires: int | None = None,
    vary: Callable[[HttpRequest], str] | None = None,
    bypass: Callable[[HttpRequest], bool] | None = None,
) -> Callable:
    """Serve the view's anonymous GETs from the shared cache (see the module docstring).

    `params`: the query parameters the page reads; `expires`: seconds a rendering stays
    true for a page that depends on the time (else it lives until the content changes);
    `vary`: more of the key, e.g. the time of day; `bypass`: requests rendered every time
    (e.g. a calculation with the visitor's input)."""
    timeout = expires or ENTRY_TIMEOUT
    page = PublicPage(
        params=tuple(sorted(params)), timeout=timeout, max_age=min(DEFAULT_MAX_AGE, timeout), vary=vary, bypass=bypass
    )

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            return page.serve(view, request, *args, **kwargs)

        wrapped.public_page = page  # type: ignore[attr-defined]  # read by PublicPageMiddleware
        return wrapped

    return decorator


class PublicPageMiddleware:
    """Answers a cached public page before the rest of the middleware and the view run (the
    request's language is known, no session, user or messages are needed); a miss goes on
    to the view, whose `public_page` renders and stores it without looking again.

    Placed after LocaleMiddleware, CsrfViewMiddleware (the visitor's token) and
    XFrameOptionsMiddleware, whose response steps the answer still passes through."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                return self.get_response(request)
            page: PublicPage | None = getattr(match.func, "public_page", None)
            if page is not None and page.applies(request):
                try:
                    key, version, entry = page.lookup(request)
                except CacheUnavailable:
                    return self.get_response(request)
                if entry is not None:
                    return page.answer(request, entry)
                setattr(request, _LOOKED_UP, (key, version))
        return self.get_response(request)


class PublicHeaderGuardMiddleware:
    """First in MIDDLEWARE, so it has the last word: a response that sets a cookie (whichever
    middleware or view set it) is never `public`; a proxy would hand the cookie to everyone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.cookies and "public" in response.get("Cache-Control", ""):
            patch_cache_control(response, private=True)
        return response


def every_quarter_hour(request: HttpRequest) -> str:
    """`vary` for a page that shows "today" in some zone: re-rendered at least every quarter
    of an hour, so it is never stale past midnight in any zone (all offsets are whole quarters)."""
    return str(int(time.time() // 900))


# When the rendering keyed by `every_quarter_hour` stops being true: the next quarter.
every_quarter_hour.until = lambda now: (now // 900 + 1) * 900  # type: ignore[attr-defined]
