"""The site shell: home page, health and readiness probes, error pages, the language choice and
the CSRF cookie."""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from core.api.errors import ServiceUnavailable, error_body
from portal.health import database_check, may_see_details, workers_report
from portal.models import WorkerHeartbeat
from sla.selectors import sla_matrix

logger = logging.getLogger(__name__)

_SERVER_ERROR = "Something went wrong on our side. The error has been logged."


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"matrix": sla_matrix()})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is alive: no database, no broker."""
    return JsonResponse({"status": "ok"})


def _probe_answer(
    request: HttpRequest, checks: dict[str, str | None], details: dict[str, object] | None = None
) -> HttpResponse:
    failed = [name for name, result in checks.items() if result is not None]
    body: dict[str, object] = {"status": "ok" if not failed else "unavailable"}
    if may_see_details(request):
        body["checks"] = {name: ("ok" if result is None else result) for name, result in checks.items()}
        if failed:
            body["failed"] = failed
        body.update(details or {})
    if failed:
        logger.warning("%s failed: %s", request.path, {name: checks[name] for name in failed})
        response = JsonResponse(body, status=503)
        response["Retry-After"] = "10"
        return response
    return JsonResponse(body)


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """This web node can serve: its database answers. Nothing else takes it out of a load
    balancer (a broker outage delays messages, it does not stop the site)."""
    return _probe_answer(request, {"database": database_check(connection)})


@never_cache
@require_GET
def readyz_workers(request: HttpRequest) -> HttpResponse:
    """For monitoring, never for a load balancer: the database, the broker, beat's own
    heartbeat, the workers' heartbeats, the escalation watcher keeping up and the outbox
    sending. Always JSON, whatever is down (`error_500` answers JSON here too)."""
    checks = workers_report(timezone.now())
    workers = {}
    if checks["database"] is None:
        workers = {beat.worker: beat.seen_at.isoformat() for beat in WorkerHeartbeat.objects.order_by("-seen_at")[:20]}
    return _probe_answer(request, checks, {"workers_seen": workers})


@never_cache
@require_GET
def language_choose(request: HttpRequest) -> HttpResponse:
    """The footer's language choice (visitors and engineers; a contact's language is saved
    on their account page and wins over it): the language cookie, then back to `next` on
    this site ("/" for anything else). A GET form, unlike Django's `set_language`, so the
    public pages that offer it hold no CSRF token and a shared cache may keep them; a forged
    link can do no more than change the visitor's language."""
    next_url = request.GET.get("next", "")
    if not next_url.isprintable() or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    language = request.GET.get("language", "")
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


@never_cache
@require_GET
@ensure_csrf_cookie
def csrf_cookie(request: HttpRequest) -> HttpResponse:
    """The CSRF cookie, for a visitor who has none yet: `static/js/portal.js` asks for it before
    an htmx request that changes something (a public page sets no cookie, so that a shared
    cache may keep it). The token is the cookie's value (CSRF_COOKIE_HTTPONLY stays off)."""
    return HttpResponse(status=204)


def error_404(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_403(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "403.html", status=403)


def error_500(request: HttpRequest) -> HttpResponse:
    """Django calls this while handling the exception: a database that is down or stalled
    (also in a middleware, such as the session's) is a 503 with Retry-After, JSON under /api/
    and for the readiness probes."""
    exc = sys.exc_info()[1]
    unavailable = isinstance(exc, OperationalError | InterfaceError)
    status = 503 if unavailable else 500
    if request.path.startswith(("/api/", "/readyz")):
        code, message = (
            ("unavailable", ServiceUnavailable.default_detail) if unavailable else ("server_error", _SERVER_ERROR)
        )
        response: HttpResponse = JsonResponse(error_body(code, message), status=status)
    else:
        # No context processors that could fail again: a plain render of the shell.
        response = HttpResponse(loader.get_template(f"{status}.html").render({}), status=status)
    if unavailable:
        response["Retry-After"] = str(ServiceUnavailable.retry_after)
    return response


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, asked for by browsers and crawlers whatever a page links (the admin's
    pages link none): the site's icon, by its static name (hashed in production)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
