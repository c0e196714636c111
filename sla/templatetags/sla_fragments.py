"""`{% region_day schedule %}…{% endregion_day %}`: the part of a region's card on the SLA
page that holds for the region's whole local day (its weekly hours, holidays of the next 12
months and languages), rendered once per process and kept.

Kept by the region's id and `SupportRegion.version`, the region's local date and the
language it was rendered in. Invalidation rule: every write to a region, its opening
intervals, date exceptions or languages bumps the region's version in the same transaction
(`sla.services.region_changed`, as for `sla.calendars`), and each request reads the region,
with its version, from the database; so a change shows on the very next request in every
process, the next 12 months move on at the region's midnight, and each language has its own.
Only what depends on these may be inside the block: the open-now state and the local time
stay outside it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from django import template
from django.db.models import prefetch_related_objects
from django.utils import translation
from django.utils.safestring import SafeString

from sla.policy import RegionSchedule

register = template.Library()

# Regions × days × languages kept per process; far more than one day of a portal's needs.
CACHE_SIZE = 256

_kept: dict[tuple[int, int, str, str], SafeString] = {}
_lock = threading.Lock()


def _key(schedule: RegionSchedule) -> tuple[int, int, str, str]:
    region = schedule.region
    return (region.pk, region.version, schedule.today.isoformat(), translation.get_language() or "")


def region_days_prepare(schedules: Iterable[RegionSchedule]) -> None:
    """Read the languages of the regions whose day is not kept, in one query for all of them
    (none when every one is kept)."""
    missing = [schedule.region for schedule in schedules if _key(schedule) not in _kept]
    if missing:
        prefetch_related_objects(missing, "languages")


def region_days_clear() -> None:
    """Forget every kept rendering (tests: a rolled-back test database reuses ids and versions)."""
    with _lock:
        _kept.clear()


class RegionDayNode(template.Node):
    def __init__(self, nodelist: template.NodeList, schedule: template.base.FilterExpression) -> None:
        self.nodelist = nodelist
        self.schedule = schedule

    def render(self, context: template.Context) -> SafeString:
        key = _key(self.schedule.resolve(context))
        html = _kept.get(key)
        if html is None:
            html = self.nodelist.render(context)
            with _lock:
                if len(_kept) >= CACHE_SIZE:
                    _kept.clear()
                _kept[key] = html
        return html


@register.tag
def region_day(parser: template.base.Parser, token: template.base.Token) -> RegionDayNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("usage: {% region_day schedule %}…{% endregion_day %}")
    nodelist = parser.parse(("endregion_day",))
    parser.delete_first_token()
    return RegionDayNode(nodelist, parser.compile_filter(bits[1]))
