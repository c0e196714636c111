"""Show times in the viewer's zone: a contact's or engineer's profile, else UTC."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone


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


class ViewerTimezoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            timezone.activate(zoneinfo.ZoneInfo(viewer_time_zone(request)))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
