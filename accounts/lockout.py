"""The page a locked-out sign-in gets (django-axes' AXES_LOCKOUT_CALLABLE): on the site's
sign-in page and on the admin's, after AXES_FAILURE_LIMIT failures for the account or from
the client address, until AXES_COOLOFF_TIME has passed."""

from __future__ import annotations

import math

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
