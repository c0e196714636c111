"""The watcher is watched where people look: the red banner on every admin page and the
support leads' e-mail when the background side stops.

On a staff request (the admin's base template asks, `portal_tags.watch_alarm`) this runs the
checks of `manage.py watcher_status` (`portal.health`) that read the database: no worker
answers, an escalation check is overdue by more than `WATCHER_ALARM_AFTER_SECONDS`, messages
wait in the outbox. The broker is not asked here (a network round trip on every page). A
problem opens a `WatchOutage` row; the web process whose insert wins (one open row, a
partial unique constraint) e-mails the support leads through SMTP directly, by Django's
`send_mail`: not through the outbox and the workers, which may be what stopped. The first
healthy check closes the row, so the next outage is told again.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from portal.health import outbox_check, scheduler_check, watcher_check, workers_check
from portal.models import WatchOutage

logger = logging.getLogger(__name__)

LEADS_GROUP = "Support leads"


@dataclass(frozen=True)
class Alarm:
    since: dt.datetime
    problems: dict[str, str]  # check name: its reason (portal.health's words)


def what_stops(name: str) -> str:
    """What is not happening while a check fails, in the reader's language."""
    return {
        "scheduler": _(
            "The scheduler stopped: no escalation is checked and no message is re-sent until beat runs again."
        ),
        "workers": _("No worker answers: escalations, e-mails and webhooks are not sent."),
        "watcher": _("The escalation sweep is behind: escalations do not fire."),
        "outbox": _("Messages wait in the outbox: e-mails and webhooks are not sent."),
    }[name]


def background_problems(now: dt.datetime) -> dict[str, str]:
    scheduler, beat_seen_at = scheduler_check(now)
    checks = {
        "scheduler": scheduler,
        "workers": workers_check(now, scheduled_until=beat_seen_at if scheduler else None),
        "watcher": watcher_check(now, limit=dt.timedelta(seconds=settings.WATCHER_ALARM_AFTER_SECONDS)),
        "outbox": outbox_check(now),
    }
    return {name: problem for name, problem in checks.items() if problem is not None}


def watch_alarm(*, now: dt.datetime) -> Alarm | None:
    """The current outage (None: all is well), opening or closing its row as it changes."""
    if not settings.WATCHER_ALARM:
        return None
    problems = background_problems(now)
    outage = WatchOutage.objects.filter(is_open=True).first()
    if not problems:
        if outage is not None:
            WatchOutage.objects.filter(pk=outage.pk, is_open=True).update(is_open=False, ended_at=now)
        return None
    if outage is None:
        outage = watch_outage_open(problems=problems, now=now)
    return Alarm(since=outage.started_at, problems=problems)


def watch_outage_open(*, problems: dict[str, str], now: dt.datetime) -> WatchOutage:
    """Open the outage's row; the process that opens it tells the leads."""
    text = "\n".join(f"{name}: {problem}" for name, problem in problems.items())
    try:
        with transaction.atomic():
            outage = WatchOutage.objects.create(started_at=now, problems=text)
    except IntegrityError:  # another process got there first: it tells the leads
        return WatchOutage.objects.get(is_open=True)
    leads_tell(outage=outage, problems=problems, now=now)
    return outage


def leads_tell(*, outage: WatchOutage, problems: dict[str, str], now: dt.datetime) -> bool:
    """E-mail the support leads once per outage (claimed by compare-and-set)."""
    if not WatchOutage.objects.filter(pk=outage.pk, leads_told_at__isnull=True).update(leads_told_at=now):
        return False
    recipients = list(
        get_user_model()
        .objects.filter(groups__name=LEADS_GROUP, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if not recipients:
        logger.warning("watch alarm: no support lead with an e-mail address to tell")
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Support portal: escalations and messages have stopped")
        lines = [what_stops(name) + f" ({problem})" for name, problem in problems.items()]
        body = "\n".join([_("Since %(since)s (UTC):") % {"since": f"{outage.started_at:%Y-%m-%d %H:%M}"}, *lines])
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:  # the mail server is down too: the banner still shows it
        logger.exception("watch alarm: the e-mail to the support leads failed")
        return False
    logger.warning("watch alarm: told %d support lead(s): %s", len(recipients), "; ".join(problems.values()))
    return True
