"""`{% kept key %}…{% endkept %}`: a block of the SLA page rendered once per process and
kept, for the parts that change only when the SLA policy does (and, for a region's day, at
the region's midnight).

Kept by the block's place (template and line), the key, and the language and time zone it
was rendered in (as the public page cache is); a key of None renders the block every time (e.g. the policy as it stood on an as-of
date). The key must be read from the database on the request, before the rows the block
shows, and move on every write to them: `SlaRows.version` (the policy's tables and last
change) and `RegionSchedule.day_key` (a region's hours, holidays and languages).
Invalidation rule: every save and delete of a plan, severity, response target, region or a
region's calendar rows moves the policy's version in its transaction
(`sla.services.policy_version_bump`, connected in `sla/apps.py`, whoever writes); so a
change shows on the very next request in every process, with nothing to expire. Only what
the key covers may be inside a block: the open-now state, the local time and the
calculator stay outside. (A template edited under a running development server shows in a
kept block after a restart, as it does in the public page cache, whose key has the release.)
"""

from __future__ import annotations

from django import template
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from sla.kept import renderings

register = template.Library()


def kept_clear() -> None:
    """Forget every kept rendering (tests: a rolled-back test database reuses versions)."""
    renderings.clear()


class KeptNode(template.Node):
    def __init__(self, nodelist: template.NodeList, key: template.base.FilterExpression) -> None:
        self.nodelist = nodelist
        self.key = key

    def render(self, context: template.Context) -> SafeString:
        key = self.key.resolve(context)
        if key is None:
            return self.nodelist.render(context)
        place = (self.origin.name, self.token.lineno)
        kept_key = (place, key, translation.get_language(), timezone.get_current_timezone_name())
        return renderings.get_or_render(kept_key, lambda: self.nodelist.render(context))


@register.tag
def kept(parser: template.base.Parser, token: template.base.Token) -> KeptNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("usage: {% kept key %}…{% endkept %}")
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(nodelist, parser.compile_filter(bits[1]))
