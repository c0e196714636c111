"""Show times in the viewer's zone (a contact's or engineer's profile, else UTC) and pages in
a contact's language (their saved preference; everyone else gets what their browser asks for).

Both come from the session (`accounts.auth.viewer_preferences_remember`), so a page that
does not read the user costs no user query for them."""

from __future__ import annotations

import time
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.auth import PREFERENCES_SESSION_KEY, viewer_preferences_remember
from accounts.two_factor import two_factor_pending
from core.api.errors import error_body


def viewer_preferences_get(request: HttpRequest) -> dict[str, str | None]:
    """The signed-in viewer's preferences as their session keeps them; a session opened
    without them (before they were kept there) gets them from the user, once."""
    session = getattr(request, "session", None)
    if session is None:
        return {}
    preferences = session.get(PREFERENCES_SESSION_KEY)
    if preferences is None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return {}
        viewer_preferences_remember(session, user)
        preferences = session[PREFERENCES_SESSION_KEY]
    return preferences


class ViewerMiddleware:
    """After authentication, what depends on who asks: signs out a session that made no
    request for SESSION_IDLE_MINUTES (a shared or forgotten computer; the next page asks to
    sign in again with a message saying why; the session is written at most once a minute
    for it); the viewer's time zone and a contact's own language over the browser's (after
    LocaleMiddleware); `Cache-Control: no-store` (Django's never-cache headers) on every
    response to a signed-in person and on every API response, so no browser or proxy keeps a
    copy of private data."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        preferences = viewer_preferences_get(request)
        try:
            timezone.activate(zoneinfo.ZoneInfo(preferences.get("time_zone") or "UTC"))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        language = preferences.get("language")
        if language in dict(settings.LANGUAGES):
            # LocaleMiddleware's response step reads the active language for Content-Language.
            translation.activate(language)
            request.LANGUAGE_CODE = language
        try:
            _sign_out_if_idle(request)
            return _no_store(request, self.get_response(request))
        finally:
            timezone.deactivate()


def _no_store(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if "no-store" in response.get("Cache-Control", ""):
        return response  # already said (an attachment download)
    if response.status_code >= 500 or request.path_info.startswith("/api/"):
        # An error is never kept either; and finding out who asked could fail again
        # (the database that caused the 503 would be asked once more for the user).
        add_never_cache_headers(response)
        return response
    if _signed_in(request):
        add_never_cache_headers(response)
    return response


def _signed_in(request: HttpRequest) -> bool:
    """From the session, as the preferences: no user query for it."""
    session = getattr(request, "session", None)
    return session is not None and SESSION_KEY in session


# The session key of the last request's time (epoch seconds), written at most once a minute.
LAST_SEEN_SESSION_KEY = "last_seen"
LAST_SEEN_RESOLUTION = 60


def last_seen_on_login(sender: object, request: HttpRequest | None, user: object, **kwargs: object) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_SESSION_KEY] = int(time.time())


def _sign_out_if_idle(request: HttpRequest) -> None:
    if _signed_in(request):
        now = int(time.time())
        last_seen = request.session.get(LAST_SEEN_SESSION_KEY)
        if isinstance(last_seen, int) and now - last_seen > settings.SESSION_IDLE_MINUTES * 60:
            logout(request)
            messages.info(
                request,
                _("You were signed out after %(minutes)d minutes without activity. Please sign in again.")
                % {"minutes": settings.SESSION_IDLE_MINUTES},
            )
        elif not isinstance(last_seen, int) or now - last_seen >= LAST_SEEN_RESOLUTION:
            request.session[LAST_SEEN_SESSION_KEY] = now


class TwoFactorMiddleware:
    """A signed-in person who needs a second factor (every staff account; customers who turned
    it on or whose organisation requires it) and has not passed it in this session reaches
    only the second-factor pages, signing out and static files: every other page sends them
    to the code (or enrolment) step and back, and the API refuses their session. Bearer
    tokens are not sessions: they are made by someone who was signed in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open_prefixes: tuple[str, ...] | None = None

    def open_prefixes(self) -> tuple[str, ...]:
        if self._open_prefixes is None:
            self._open_prefixes = (
                reverse("two_factor_verify"),  # and the pages under it: enrol, its QR code, off
                reverse("logout"),
                reverse("admin:logout"),
                settings.STATIC_URL,
                "/i18n/",
                "/healthz",
                "/readyz",
            )
        return self._open_prefixes

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith(self.open_prefixes()) or not two_factor_pending(request):
            return self.get_response(request)
        if path.startswith("/api/"):
            message = _("Finish signing in with your second factor first.")
            return JsonResponse({"code": "two_factor_required", "message": message, "fields": {}}, status=403)
        return redirect(f"{reverse('two_factor_verify')}?{urlencode({'next': request.get_full_path()})}")


class RequestSizeLimitMiddleware:
    """Refuses a request whose declared body is larger than anything the portal accepts
    (REQUEST_MAX_BYTES: ten attachments at their limit plus the form), before anything reads
    it. Otherwise Django would spool an oversized upload to disk before the form's check of
    each file. A proxy in front should refuse such bodies as well (docs/SECURITY.md)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            message = _("The request is larger than %(mb)d MB, the most the portal accepts at once.") % {
                "mb": settings.REQUEST_MAX_BYTES // 1024 // 1024
            }
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("request_too_large", message), status=413)
            return HttpResponse(render_to_string("413.html", {"message": message}), status=413)
        return self.get_response(request)
