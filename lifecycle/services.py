"""Writes for the lifecycle and CfMD data: the Dynamics lifecycle import, the policy text and
the statement of direction. Each takes `now`, which becomes the history date of the change."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lifecycle.models import DynamicsProduct, LifecyclePolicy, PolicyKind, RoadmapStatement

DATA_FILE = Path(__file__).resolve().parent / "data" / "dynamics_lifecycle.json"


class LifecycleDataError(Exception):
    """The Dynamics lifecycle file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class DynamicsRow:
    key: str
    family: str
    version: str
    listing_name: str
    deployment: str
    policy: str
    start_on: dt.date | None
    mainstream_end_on: dt.date | None
    extended_end_on: dt.date | None
    end_of_servicing_on: dt.date | None
    security_updates_end_on: dt.date | None
    is_confirmed: bool
    estimated_end_on: dt.date | None
    source: str
    notes: str


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def _date(raw: Any, *, where: str, field: str) -> dt.date | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise LifecycleDataError(
            _("%(where)s: %(field)s must be a date string or null") % {"where": where, "field": field}
        )
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise LifecycleDataError(
            _("%(where)s: %(field)s is not an ISO date (YYYY-MM-DD): %(value)r")
            % {"where": where, "field": field, "value": raw}
        ) from None


def _text(item: dict[str, Any], name: str, *, where: str, required: bool = True) -> str:
    value = item.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise LifecycleDataError(_("%(where)s: %(field)s is missing or empty") % {"where": where, "field": name})
    return value.strip()


def dynamics_lifecycle_parse(data: Any) -> list[DynamicsRow]:
    """Validate the decoded JSON document and return its rows; raise `LifecycleDataError`."""
    if not isinstance(data, dict) or not isinstance(data.get("products"), list):
        raise LifecycleDataError(_('The file has no "products" list.'))
    rows: list[DynamicsRow] = []
    seen: set[str] = set()
    for index, item in enumerate(data["products"], start=1):
        where = _("row %(n)d") % {"n": index}
        if not isinstance(item, dict):
            raise LifecycleDataError(_("%(where)s is not an object") % {"where": where})
        key = _text(item, "id", where=where)
        where = _("row %(n)d (%(key)s)") % {"n": index, "key": key}
        if key in seen:
            raise LifecycleDataError(_("%(where)s: the id appears twice") % {"where": where})
        seen.add(key)
        policy = item.get("policy")
        if policy not in PolicyKind.values:
            raise LifecycleDataError(
                _("%(where)s: policy must be fixed or modern, not %(value)r") % {"where": where, "value": policy}
            )
        confirmed = item.get("confirmed")
        if not isinstance(confirmed, bool):
            raise LifecycleDataError(_("%(where)s: confirmed must be true or false") % {"where": where})
        rows.append(
            DynamicsRow(
                key=key,
                family=_text(item, "product", where=where),
                version=_text(item, "version", where=where),
                listing_name=_text(item, "listing_name", where=where),
                deployment=_text(item, "deployment", where=where, required=False),
                policy=policy,
                start_on=_date(item.get("start"), where=where, field="start"),
                mainstream_end_on=_date(item.get("mainstream_end"), where=where, field="mainstream_end"),
                extended_end_on=_date(item.get("extended_end"), where=where, field="extended_end"),
                end_of_servicing_on=_date(item.get("end_of_servicing"), where=where, field="end_of_servicing"),
                security_updates_end_on=_date(
                    item.get("security_updates_end"), where=where, field="security_updates_end"
                ),
                is_confirmed=confirmed,
                estimated_end_on=_date(item.get("estimated_end"), where=where, field="estimated_end"),
                source=_text(item, "source", where=where),
                notes=_text(item, "notes", where=where, required=False),
            )
        )
    return rows


def dynamics_lifecycle_read(path: Path) -> list[DynamicsRow]:
    """Read and validate a data file; every problem becomes a `LifecycleDataError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LifecycleDataError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LifecycleDataError(
            _("%(path)s is not valid JSON: %(error)s (line %(line)d)")
            % {"path": path, "error": exc.msg, "line": exc.lineno}
        ) from None
    return dynamics_lifecycle_parse(data)


@transaction.atomic
def dynamics_lifecycle_import(*, rows: list[DynamicsRow], now: dt.datetime) -> ImportResult:
    """Create or update one DynamicsProduct per row by key. Idempotent: unchanged rows are not
    saved again, so a second import writes no history."""
    existing = {p.key: p for p in DynamicsProduct.objects.filter(key__in=[r.key for r in rows])}
    created = updated = unchanged = 0
    for row in rows:
        values = {f.name: getattr(row, f.name) for f in fields(row)}
        product = existing.get(row.key)
        if product is None:
            product = DynamicsProduct(**values)
            product._history_date = now
            product.save()
            created += 1
            continue
        changed = [name for name, value in values.items() if getattr(product, name) != value]
        if not changed:
            unchanged += 1
            continue
        for name in changed:
            setattr(product, name, values[name])
        product._history_date = now
        product.save(update_fields=changed)
        updated += 1
    return ImportResult(created=created, updated=updated, unchanged=unchanged)


def lifecycle_policy_update(
    *, policy_text: str, notice_period_months: int, dates_time_zone: str, now: dt.datetime
) -> LifecyclePolicy:
    """Write the published lifecycle policy (the single row, created when missing)."""
    policy = LifecyclePolicy.objects.order_by("pk").first() or LifecyclePolicy()
    policy.policy_text = policy_text
    policy.notice_period_months = notice_period_months
    policy.dates_time_zone = dates_time_zone
    policy.full_clean()
    policy._history_date = now
    policy.save()
    return policy


def roadmap_statement_review(
    *, body: str, reviewed_by: str, reviewed_on: dt.date, now: dt.datetime
) -> RoadmapStatement:
    """Record a (re)viewed statement of direction (the single row, created when missing)."""
    statement = RoadmapStatement.objects.order_by("pk").first() or RoadmapStatement()
    statement.body = body
    statement.reviewed_by = reviewed_by
    statement.reviewed_on = reviewed_on
    statement.full_clean()
    statement._history_date = now
    statement.save()
    return statement
