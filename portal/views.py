"""The site shell: home page, health and readiness probes, error pages."""

from __future__ import annotations

import logging

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.health import broker_check, database_check
from portal.models import WorkerHeartbeat
from sla.selectors import sla_matrix

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"matrix": sla_matrix()})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is alive: no database, no broker."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """Ready to serve: the database and the broker answer. 503 names what failed."""
    checks = {"database": database_check(connection), "broker": broker_check()}
    failed = [name for name, result in checks.items() if result is not None]
    body: dict[str, object] = {
        "status": "ok" if not failed else "unavailable",
        "checks": {name: ("ok" if result is None else result) for name, result in checks.items()},
    }
    if checks["database"] is None:
        # Informational: a web node is ready without a worker, but operators want to see them.
        body["workers"] = {
            beat.worker: beat.seen_at.isoformat() for beat in WorkerHeartbeat.objects.order_by("-seen_at")[:20]
        }
    if failed:
        body["failed"] = failed
        logger.warning("readyz failed: %s", body["checks"])
    return JsonResponse(body, status=200 if not failed else 503)


def error_404(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_403(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "403.html", status=403)


def error_500(request: HttpRequest) -> HttpResponse:
    # No context processors that could fail again: a plain render of the shell.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render({}), status=500)


def not_yet_published(request: HttpRequest, *, title: str, summary: str) -> HttpResponse:
    """An honest placeholder for a section whose data is not published yet."""
    return render(request, "portal/not_yet_published.html", {"title": title, "summary": summary}, status=200)
