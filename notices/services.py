"""Sending the customer notices that are due: each once, recorded with its outbox deliveries.

`notices_run` is the one job: beat's daily task and `manage.py customer_notices` call it.
A notice is a `SentNotice` row, unique per (organisation, kind, subject, anchor date), and its
e-mails (`notify`), written in one transaction: a second job, or a second worker at the same
moment, hits the unique constraint and sends nothing. A contract whose end date moves has a
new anchor date, so its reminders of the new date are new notices.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts.models import Membership, Role
from notices.due import Due, end_of_support_due, plan_due
from notices.models import NoticeKind, NoticeSwitch, SentNotice
from notify.services import Email, deliveries_create, email_delivery

logger = logging.getLogger(__name__)

TEMPLATES = {
    NoticeKind.WELCOME: "welcome",
    NoticeKind.UPGRADE: "upgrade",
    NoticeKind.RENEWAL: "renewal",
    NoticeKind.LAPSED_35: "lapsed",
    NoticeKind.LAPSED_180: "lapsed",
    NoticeKind.EOS_12M: "end_of_support",
    NoticeKind.EOS_6M: "end_of_support",
    NoticeKind.EOS_30D: "end_of_support",
}
END_OF_SUPPORT = {NoticeKind.EOS_12M, NoticeKind.EOS_6M, NoticeKind.EOS_30D}


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str
    time_zone: str


@dataclass(frozen=True)
class Outcome:
    due: Due
    recipients: list[Recipient]
    is_late: bool
    status: str  # "sent", "would send" (dry run), "no recipient", "sent by another job"

    def line(self) -> str:
        late = " (late)" if self.is_late else ""
        to = ", ".join(r.email for r in self.recipients) or "-"
        return f"{self.due.kind}{late}\t{self.due.organization_name}\t{to}\t{self.status}"


def kinds_enabled() -> set[str]:
    off = set(NoticeSwitch.objects.filter(is_enabled=False).values_list("kind", flat=True))
    return set(NoticeKind.values) - off


def notice_recipients(organization_id: int, *, kind: str) -> list[Recipient]:
    """The support and billing contacts (support contacts only for end of support), each in their
    language and zone; the organisation's admins when it names none."""
    people = Membership.objects.filter(organization_id=organization_id, is_active=True, user__is_active=True).exclude(
        user__email=""
    )
    wanted = (
        Q(is_support_contact=True)
        if kind in END_OF_SUPPORT
        else Q(is_support_contact=True) | Q(is_billing_contact=True)
    )
    chosen = list(people.filter(wanted).select_related("user").order_by("user__email"))
    if not chosen:
        chosen = list(people.filter(role=Role.ADMIN).select_related("user").order_by("user__email"))
    return [Recipient(email=m.user.email.lower(), language=m.language, time_zone=m.time_zone) for m in chosen]


def _record(due: Due, recipients: list[Recipient], *, today: dt.date, now: dt.datetime) -> bool:
    """Record the notice and write its e-mails in one transaction; False when another job got there first."""
    try:
        with transaction.atomic():
            notice = SentNotice.objects.create(
                kind=due.kind,
                organization_id=due.organization_id,
                subject=due.subject,
                contract=due.contract,
                product_version=due.product_version,
                anchor_on=due.anchor_on,
                due_on=due.due_on,
                sent_on=today,
                is_late=today > due.due_on,
                recipients=[r.email for r in recipients],
                created_at=now,
            )
            context = {**due.context, "kind": due.kind, "is_late": notice.is_late}
            deliveries_create(
                [
                    email_delivery(
                        key=f"notice:{notice.pk}",
                        email=Email(
                            to=r.email,
                            template=f"emails/notices/{TEMPLATES[NoticeKind(due.kind)]}",
                            context=context,
                            language=r.language,
                            time_zone=r.time_zone,
                            headers={"X-Portal-Notice": due.kind},
                        ),
                        now=now,
                        reference=due.organization_name,
                    )
                    for r in recipients
                ]
            )
    except IntegrityError:
        return False
    return True


def notices_run(*, today: dt.date, now: dt.datetime, dry_run: bool = False) -> list[Outcome]:
    """Send every notice due on `today` that was not sent yet (late ones marked late)."""
    enabled = kinds_enabled()
    candidates = [d for d in plan_due(today) + end_of_support_due(today) if d.kind in enabled]
    anchors = {d.anchor_on for d in candidates}
    sent = set(
        SentNotice.objects.filter(anchor_on__in=anchors).values_list("organization_id", "kind", "subject", "anchor_on")
    )
    outcomes = []
    for due in candidates:
        if due.key in sent:
            continue
        recipients = notice_recipients(due.organization_id, kind=due.kind)
        is_late = today > due.due_on
        if not recipients:
            status = "no recipient"
        elif dry_run:
            status = "would send"
        else:
            status = "sent" if _record(due, recipients, today=today, now=now) else "sent by another job"
        outcome = Outcome(due=due, recipients=recipients, is_late=is_late, status=status)
        logger.info("notice %s", outcome.line())
        outcomes.append(outcome)
    return outcomes
