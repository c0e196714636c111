"""The public CfMD pages: lifecycle (+ iCalendar feed), contacts, roadmap, compliance and the
printable evidence pack. Each page takes `?as_of=YYYY-MM-DD`."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cfmd import compliance, ical
from cfmd import selectors as cfmd_selectors
from core.as_of import AsOf, as_of_from
from core.markdown import render_markdown
from core.public_cache import every_quarter_hour, public_page
from lifecycle import selectors
from lifecycle.models import ProductVersion
from sla.selectors import channel_href, sla_matrix, support_channels

PER_PAGE = 20


def page_as_of(request: HttpRequest, *, now: dt.datetime) -> AsOf:
    """The page's `?as_of=`; without it, the page describes today in the zone of the lifecycle dates."""
    return as_of_from(request, today=selectors.lifecycle_today(now), now=now)


def _render(request: HttpRequest, template: str, as_of: AsOf, context: dict[str, Any]) -> HttpResponse:
    context.update({"as_of": as_of, "today": as_of.on})
    return render(request, template, context, status=400 if as_of.error else 200)


def _page(request: HttpRequest, items: list, param: str = "page"):
    return Paginator(items, PER_PAGE).get_page(request.GET.get(param))


def _lifecycle_context(request: HttpRequest, as_of: AsOf) -> dict[str, Any]:
    policy = selectors.lifecycle_policy(as_of.at)
    rows = selectors.lifecycle_rows(on=as_of.on, at=as_of.at)
    return {
        "policy": policy,
        "policy_html": render_markdown(policy.policy_text) if policy else "",
        "dates_zone": selectors.dates_zone(policy),
        "rows": _page(request, rows),
        "dynamics": _page(request, selectors.dynamics_products_used(rows), "dpage"),
    }


def _contacts_context(as_of: AsOf) -> dict[str, Any]:
    return {
        "channels": [(c, channel_href(c)) for c in support_channels(as_of.at)],
        "escalation_contacts": cfmd_selectors.escalation_contacts(as_of.at),
    }


def _roadmap_context(request: HttpRequest, as_of: AsOf) -> dict[str, Any]:
    statement = selectors.roadmap_statement(as_of.at)
    return {
        "statement": statement,
        "statement_html": render_markdown(statement.body) if statement else "",
        "releases": _page(request, selectors.planned_releases(as_of.at)),
    }


@require_GET
@public_page(params=["as_of", "page", "dpage"], vary=every_quarter_hour)
def lifecycle_page(request: HttpRequest) -> HttpResponse:
    as_of = page_as_of(request, now=timezone.now())
    return _render(request, "cfmd/lifecycle.html", as_of, _lifecycle_context(request, as_of))


@require_GET
@public_page(params=[], vary=every_quarter_hour)
def lifecycle_calendar(request: HttpRequest) -> HttpResponse:
    """An iCalendar feed of the end-of-support dates of every version."""
    now = timezone.now()
    rows = selectors.lifecycle_rows(on=selectors.lifecycle_today(now))
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    page_url = settings.SITE_URL + reverse("cfmd:lifecycle")
    events: list[ical.AllDayEvent] = []
    for row in rows:
        v = row.version
        name = f"{row.product.name if row.product else ''} {v.version}".strip()
        code = row.product.code if row.product else "product"
        ends: list[tuple[str, dt.date | None, str]]
        if v.policy == "fixed":
            ends = [
                ("mainstream", v.mainstream_end_on, _("%(name)s: last day of mainstream support")),
                ("extended", v.extended_end_on, _("%(name)s: last day of extended support")),
            ]
        else:
            ends = [("end", row.ends_on, _("%(name)s: last day of support"))]
        for kind, day, summary in ends:
            if day is None:
                continue
            events.append(
                ical.AllDayEvent(
                    uid=f"{code}-{v.version}-{kind}@{host}".replace(" ", "-"),
                    on=day,
                    summary=summary % {"name": name},
                    description=_("%(name)s (%(policy)s lifecycle policy). Dates are in %(zone)s. See %(url)s")
                    % {
                        "name": name,
                        "policy": v.get_policy_display(),
                        "zone": selectors.dates_zone(selectors.lifecycle_policy()),
                        "url": page_url,
                    },
                    url=page_url,
                )
            )
    body = ical.calendar(
        name=_("%(product)s support lifecycle") % {"product": settings.PRODUCT_NAME},
        product_id=f"-//{settings.VENDOR_NAME}//Support portal lifecycle//EN",
        events=events,
        stamp=now,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="support-lifecycle.ics"'
    return response


@require_GET
def version_status(request: HttpRequest) -> HttpResponse:
    """The support notice for one version (`?product_version=<id>`), for the incident form to
    fetch with htmx when the customer picks a version. Empty when the version is fully supported."""
    status = None
    raw = request.GET.get("product_version", "")
    if raw.isdigit():
        version = ProductVersion.objects.filter(pk=int(raw)).first()
        if version is not None:
            status = selectors.version_support_status(version, timezone.now())
    return render(request, "cfmd/_version_support_notice.html", {"status": status})


@require_GET
@public_page(params=["as_of"], vary=every_quarter_hour)
def contacts_page(request: HttpRequest) -> HttpResponse:
    as_of = page_as_of(request, now=timezone.now())
    return _render(request, "cfmd/contacts.html", as_of, _contacts_context(as_of))


@require_GET
@public_page(params=["as_of", "page"], vary=every_quarter_hour)
def roadmap_page(request: HttpRequest) -> HttpResponse:
    as_of = page_as_of(request, now=timezone.now())
    return _render(request, "cfmd/roadmap.html", as_of, _roadmap_context(request, as_of))


@require_GET
@public_page(params=["as_of"], vary=every_quarter_hour)
def cfmd_page(request: HttpRequest) -> HttpResponse:
    as_of = page_as_of(request, now=timezone.now())
    requirements = compliance.cfmd_requirements(on=as_of.on, at=as_of.at, as_of=as_of.date)
    return _render(
        request,
        "cfmd/cfmd.html",
        as_of,
        {
            "requirements": requirements,
            "summary": compliance.cfmd_summary(requirements),
            "dates_zone": selectors.dates_zone(selectors.lifecycle_policy(as_of.at)),
        },
    )


def evidence_pack_context(request: HttpRequest, as_of: AsOf) -> dict[str, Any]:
    requirements = compliance.cfmd_requirements(on=as_of.on, at=as_of.at, as_of=as_of.date)
    records = cfmd_selectors.evidence_records(as_of.at)
    context: dict[str, Any] = {
        "requirements": requirements,
        "summary": compliance.cfmd_summary(requirements),
        "matrix": sla_matrix(as_of.at),
        "sections": [
            (req, [r for r in records if req.evidence_kind and r.kind == req.evidence_kind]) for req in requirements
        ],
        "generated_at": timezone.now(),
    }
    context.update(_lifecycle_context(request, as_of))
    context.update(_contacts_context(as_of))
    context.update(_roadmap_context(request, as_of))
    # The pack prints everything: no pagination.
    rows = selectors.lifecycle_rows(on=as_of.on, at=as_of.at)
    context["all_rows"] = rows
    context["all_dynamics"] = selectors.dynamics_products_used(rows)
    context["all_releases"] = selectors.planned_releases(as_of.at)
    return context


@require_GET
@public_page(params=["as_of", "page", "dpage"], vary=every_quarter_hour)
def evidence_pack_page(request: HttpRequest) -> HttpResponse:
    as_of = page_as_of(request, now=timezone.now())
    return _render(request, "cfmd/evidence_pack.html", as_of, evidence_pack_context(request, as_of))
