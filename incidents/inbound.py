"""Answers by e-mail: one message read from the inbound mailbox becomes a reply on its
incident, one polite bounce, or nothing (an automatic reply, a malformed message).

The reply address (`incidents.reply_addresses`) names the incident and the person the
e-mail was sent to. The message becomes a public reply by that person when it comes from
their account's address (compared in the normalised form of `accounts.emails`) and they
may write on the incident as they could on the web: a customer who may see it, with a
role that writes, on an incident that is not closed; an engineer who may change incidents.
Anyone else gets one bounce through the outbox (`notify`); an auto-responder gets nothing.

Exactly once: the message's key (its Message-ID, or a digest of its bytes) is written to
`InboundMessage`, unique, in the transaction of the reply or the bounce. The poller
(`incidents.inbound_imap`) flags a message as read only after that commit, so a poller
that dies in between reads it again and finds its key: nothing is added or sent twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from accounts.emails import EmailRefused, email_canonical, email_normalise
from accounts.models import Role
from accounts.selectors import membership_current
from incidents.errors import AttachmentRejected
from incidents.forms import MAX_FILES_PER_UPLOAD
from incidents.inbound_mail import Answer, Malformed, answer_read, body_text, files_of
from incidents.models import InboundMessage, InboundOutcome, Incident, IncidentStatus
from incidents.reply_addresses import ReplyTo, reply_address_parse, thread_headers
from incidents.selectors import incidents_visible_to
from incidents.services import comment_add
from notify.services import Email, emails_enqueue

logger = logging.getLogger(__name__)
DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Verdict:
    outcome: str
    reason: str = ""
    incident: Incident | None = None
    author: AbstractBaseUser | None = None


def _target(answer: Answer) -> ReplyTo | None:
    for address in answer.recipients:
        found = reply_address_parse(address)
        if found is not None:
            return found
    return None


def _may_write(user: AbstractBaseUser, incident: Incident) -> str:
    """ "" when `user` may reply on `incident` now, else the bounce's reason."""
    if not user.is_active:
        return "not_allowed"
    if user.is_staff:
        return "" if user.has_perm("incidents.change_incident") else "not_allowed"
    membership = membership_current(user)
    if membership is None or membership.role not in (Role.ADMIN, Role.SUBMITTER):
        return "not_allowed"
    if not incidents_visible_to(user).filter(pk=incident.pk).exists():
        return "not_allowed"
    # The web offers no reply on a closed incident (reopening it is a step of its own).
    return "closed" if incident.status == IncidentStatus.CLOSED else ""


def answer_judge(answer: Answer) -> Verdict:
    """Who may have this answer, and on which incident; a bounce's reason otherwise."""
    target = _target(answer)
    if target is None:
        return Verdict(InboundOutcome.BOUNCED, "no_incident")
    user = get_user_model()._default_manager.filter(pk=target.user_id).first()
    incident = Incident.objects.filter(pk=target.incident_id).first()
    try:
        sender = email_normalise(answer.sender)
    except EmailRefused:
        sender = ""
    if user is None or incident is None or not sender or sender != email_canonical(user.email or ""):
        return Verdict(InboundOutcome.BOUNCED, "not_allowed", incident)
    refusal = _may_write(user, incident)
    if refusal:
        return Verdict(InboundOutcome.BOUNCED, refusal, incident, user)
    return Verdict(InboundOutcome.COMMENTED, "", incident, user)


def _uploads(message) -> list[SimpleUploadedFile]:
    files = files_of(message)
    if len(files) > MAX_FILES_PER_UPLOAD:
        raise AttachmentRejected(f"{len(files)} files")
    return [SimpleUploadedFile(f.name, f.content, content_type=f.content_type) for f in files]


def _bounce(*, answer: Answer, verdict: Verdict, now: dt.datetime) -> None:
    """One bounce to the sender, inside the caller's transaction; the outbox's unique
    (event, address) is a second guard against a second one."""
    language, zone = settings.LANGUAGE_CODE, "UTC"
    membership = getattr(verdict.author, "membership", None) if verdict.author is not None else None
    if membership is not None:
        language, zone = membership.language, membership.time_zone
    headers = {"Auto-Submitted": "auto-replied"}  # RFC 3834: no auto-responder answers it
    if answer.message_id:
        headers["In-Reply-To"] = answer.message_id
        headers["References"] = answer.message_id
    elif verdict.incident is not None:
        headers.update(thread_headers(verdict.incident.pk))
    email = Email(
        to=answer.sender,
        template="emails/incidents/inbound_bounce",
        context={
            "reason": verdict.reason,
            "subject": answer.subject[:200],
            "url": settings.SITE_URL,
            "max_files": MAX_FILES_PER_UPLOAD,
            "max_mb": settings.ATTACHMENT_MAX_BYTES // 1024 // 1024,
            "VENDOR_NAME": settings.VENDOR_NAME,
        },
        language=language,
        time_zone=zone,
        headers=headers,
    )
    key = "inbound-bounce:" + hashlib.sha256(answer.key.encode()).hexdigest()[:40]
    emails_enqueue(key=key, emails=[email], now=now)


def _answerable(address: str) -> bool:
    try:
        email_normalise(address)
    except EmailRefused:
        return False
    return True


def _seen(key: str) -> bool:
    """Read before (a cheap early answer; the unique key is the guarantee)."""
    return InboundMessage.objects.filter(message_key=key).exists()


def _record(answer_key: str, outcome: str, now: dt.datetime, **fields) -> InboundMessage:
    return InboundMessage.objects.create(message_key=answer_key, outcome=outcome, received_at=now, **fields)


def _skip(key: str, sender: str, reason: str, now: dt.datetime) -> str:
    logger.warning("inbound %s: skipped (%s)", key, reason)
    try:
        with transaction.atomic():
            _record(key, InboundOutcome.SKIPPED, now, sender=sender[:254], reason=reason[:200])
    except IntegrityError:
        return DUPLICATE
    return InboundOutcome.SKIPPED


def inbound_message_process(*, raw: bytes, now: dt.datetime, is_truncated: bool = False) -> str:
    """Read one message and act on it, once: returns the outcome, or "duplicate" for a
    message read before. `is_truncated`: only the headers of a message too large to read."""
    try:
        message, answer = answer_read(raw)
    except Malformed as error:
        key = "sha256:" + hashlib.sha256(raw).hexdigest()
        return DUPLICATE if _seen(key) else _skip(key, "", str(error), now)
    if _seen(answer.key):
        return DUPLICATE
    if answer.is_automatic:
        logger.info("inbound %s: automatic reply from %s, ignored", answer.key, answer.sender)
        try:
            with transaction.atomic():
                _record(answer.key, InboundOutcome.IGNORED, now, sender=answer.sender[:254])
        except IntegrityError:
            return DUPLICATE
        return InboundOutcome.IGNORED
    if is_truncated:
        return _skip(answer.key, answer.sender, f"larger than {settings.INBOUND_MAX_BYTES} bytes", now)
    verdict = answer_judge(answer)
    body, uploads = "", []
    if verdict.outcome == InboundOutcome.COMMENTED:
        try:
            body = body_text(message)
            uploads = _uploads(message)
        except Malformed as error:
            return _skip(answer.key, answer.sender, str(error), now)
        except AttachmentRejected:
            verdict = Verdict(InboundOutcome.BOUNCED, "attachments", verdict.incident, verdict.author)
        if verdict.outcome == InboundOutcome.COMMENTED and not body:
            return _skip(answer.key, answer.sender, "no new text", now)
    return _act(answer=answer, verdict=verdict, body=body, uploads=uploads, now=now)


def _act(*, answer: Answer, verdict: Verdict, body: str, uploads: list, now: dt.datetime) -> str:
    if verdict.outcome == InboundOutcome.BOUNCED and not _answerable(answer.sender):
        return _skip(answer.key, answer.sender, f"{verdict.reason}, and no address to answer", now)
    try:
        with transaction.atomic():
            record = _record(
                answer.key,
                verdict.outcome,
                now,
                sender=answer.sender[:254],
                incident=verdict.incident,
                reason=verdict.reason,
            )
            if verdict.outcome == InboundOutcome.BOUNCED:
                _bounce(answer=answer, verdict=verdict, now=now)
            elif verdict.incident is not None and verdict.author is not None:
                comment = comment_add(
                    incident=verdict.incident, author=verdict.author, body=body, files=uploads, now=now
                )
                InboundMessage.objects.filter(pk=record.pk).update(comment=comment)
    except AttachmentRejected:  # a file's type, seen by the same check as the web form's
        verdict = Verdict(InboundOutcome.BOUNCED, "attachments", verdict.incident, verdict.author)
        return _act(answer=answer, verdict=verdict, body="", uploads=[], now=now)
    except IntegrityError:  # another poller recorded it first: its reply or bounce stands
        return DUPLICATE
    logger.info(
        "inbound %s: %s from %s on incident %s%s",
        answer.key,
        verdict.outcome,
        answer.sender,
        verdict.incident.pk if verdict.incident else "-",
        f" ({verdict.reason})" if verdict.reason else "",
    )
    return verdict.outcome
