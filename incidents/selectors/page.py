"""Reads of the incident page as a workspace: the breach in business time, the page's
stamp (what a form saw) and what changed since, and the leads' workload."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from incidents.models import OPEN_STATUSES, Comment, Incident, IncidentMerge, StatusChange
from incidents.selectors.queue import duration_short
from sla import businesshours
from sla.clock import SlaClock, SlaState
from sla.selectors import filing_calendar


def breach_text(incident: Incident, clock: SlaClock, *, now: dt.datetime) -> str:
    """ "breached 3 h ago (business time)": the business time since the deadline on the
    incident's filing calendar ("" unless the clock is breached)."""
    if clock.state != SlaState.BREACHED or clock.due_at is None:
        return ""
    since = businesshours.business_time_between(filing_calendar(incident, now), clock.due_at, now)
    return _("breached %(time)s ago (business time)") % {"time": duration_short(since)}


# --- The page's stamp ------------------------------------------------------------------
# A form on the incident page carries the stamp of what the engineer saw: the row's
# `updated_at` (field edits, severity, assignment), the last message and the last status
# move (those are written by `.update()` and their own rows, which leave `updated_at`).


def incident_stamp(incident: Incident) -> str:
    """`<updated_at µs>-<last comment id>-<last status change id>`, in one query."""

    def last(model: type[Comment] | type[StatusChange]) -> Subquery:
        return Subquery(model.objects.filter(incident=OuterRef("pk")).order_by("-pk").values("pk")[:1])

    row = Incident.objects.filter(pk=incident.pk).values_list("updated_at", last(Comment), last(StatusChange)).first()
    updated, comment, status = row if row else (None, None, None)
    micros = int(updated.timestamp() * 1_000_000) if updated else 0
    return f"{micros}-{comment or 0}-{status or 0}"


def _parse(stamp: str) -> tuple[int, int, int] | None:
    parts = stamp.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2])


def incident_changes_since(incident: Incident, stamp: str) -> list[str]:
    """What changed on the incident since the page carrying `stamp` was loaded (empty:
    nothing, the form may be applied). A stamp that cannot be read counts as stale."""
    seen = _parse(stamp)
    now_stamp = _parse(incident_stamp(incident))
    if seen is None or now_stamp is None:
        return [_("The page is out of date; load it again.")]
    if seen == now_stamp:
        return []
    changes = []
    new_comments = Comment.objects.filter(incident=incident, pk__gt=seen[1]).select_related("author")
    for comment in new_comments:
        who = comment.author.get_full_name() or comment.author.get_username()
        changes.append(_("a new message by %(who)s") % {"who": who})
    for move in StatusChange.objects.filter(incident=incident, pk__gt=seen[2]).select_related("changed_by"):
        changes.append(_("status changed to %(status)s") % {"status": move.get_to_status_display()})
    if now_stamp[0] != seen[0]:
        since = dt.datetime.fromtimestamp(seen[0] / 1_000_000, tz=dt.UTC)
        fields = _fields_changed_since(incident, since)
        changes.append(
            _("details changed: %(fields)s") % {"fields": ", ".join(fields)} if fields else _("details changed")
        )
    return changes


def _fields_changed_since(incident: Incident, since: dt.datetime) -> list[str]:
    history = incident.history.order_by("history_date", "history_id")  # type: ignore[attr-defined]
    before = history.filter(history_date__lte=since).last()
    latest = history.last()
    if before is None or latest is None or before.pk == latest.pk:
        return []
    delta = latest.diff_against(before)
    return [str(Incident._meta.get_field(name).verbose_name) for name in delta.changed_fields]


# --- Workload for leads --------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    assignee_id: int | None
    name: str
    open_count: int
    breached_count: int
    nearest_due_at: dt.datetime | None


def workload_by_engineer(*, now: dt.datetime) -> list[Workload]:
    """Open incidents per assignee (the unassigned as one row) with their nearest
    unanswered due time: one aggregate query, whatever the number of incidents."""
    unanswered = Q(first_response_at__isnull=True)
    rows = (
        Incident.objects.filter(status__in=OPEN_STATUSES)
        .values("assignee_id", "assignee__first_name", "assignee__last_name", "assignee__username")
        .annotate(
            open_count=Count("pk"),
            breached_count=Count("pk", filter=unanswered & Q(response_due_at__lt=now)),
            nearest_due_at=Min("response_due_at", filter=unanswered),
        )
        .order_by("assignee__first_name", "assignee__last_name", "assignee_id")
    )
    result = []
    for row in rows:
        if row["assignee_id"] is None:
            name = _("Unassigned")
        else:
            full = f"{row['assignee__first_name']} {row['assignee__last_name']}".strip()
            name = full or row["assignee__username"]
        result.append(
            Workload(row["assignee_id"], name, row["open_count"], row["breached_count"], row["nearest_due_at"])
        )
    result.sort(key=lambda w: (w.assignee_id is not None, -w.open_count))
    return result


def incident_live_merges(incident: Incident) -> list[IncidentMerge]:
    """The merges into or out of the incident that a lead can still undo."""
    return list(
        IncidentMerge.objects.filter(Q(duplicate=incident) | Q(primary=incident), undone_at__isnull=True)
        .select_related("duplicate", "primary")
        .order_by("-merged_at", "-pk")
    )
