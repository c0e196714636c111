"""Show times in the viewer's zone (a contact's or engineer's profile, else UTC) and pages in
a contact's language (their saved preference; everyone else gets what their browser asks for)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation


def viewer_time_zone(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        membership = getattr(user, "membership", None)
        if membership is not None:
            return membership.time_zone
        profile = getattr(user, "staff_profile", None)
        if profile is not None:
            return profile.time_zone
    return "UTC"


def viewer_language(request: HttpRequest) -> str | None:
    """A signed-in contact's saved language, if the site offers it; None otherwise (then
    Django's LocaleMiddleware has chosen from the browser's Accept-Language)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    membership = getattr(user, "membership", None)
    if membership is None or membership.language not in dict(settings.LANGUAGES):
        return None
    return membership.language


class ViewerTimezoneMiddleware:
    """After authentication (and after LocaleMiddleware): the viewer's time zone, and a
    contact's own language over the browser's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            timezone.activate(zoneinfo.ZoneInfo(viewer_time_zone(request)))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        language = viewer_language(request)
        if language is not None:
            # LocaleMiddleware's response step reads the active language for Content-Language.
            translation.activate(language)
            request.LANGUAGE_CODE = language
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
