"""Escalations requested by people: a customer from the incident page, a Microsoft
engineer from the public escalation page (verified by a signed link sent by email).

A verified request becomes an `EscalationEvent` of kind "requested": it pages the
escalation contacts through the same outbox as the watcher's steps (`notify`), and is
recorded on the incident's timeline (`incidents.services.escalations`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import mail, signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.rate_limits import CacheUnavailable, client_and_email_limits, minutes_to_wait
from escalation.delivery import event_deliveries_create
from escalation.models import EscalationEvent, EscalationRequest, EventKind, RequestSource
from incidents.models import Incident
from incidents.services.escalations import Escalated, escalations_record
from incidents.update_emails import escalation_accepted_email_enqueue

SIGNING_SALT = "escalation.request.verify"
VERIFY_LINK_MAX_AGE = dt.timedelta(hours=24)
# A customer may ask again for the same incident after this long.
CUSTOMER_REQUEST_INTERVAL = dt.timedelta(hours=1)
# The public form: at most this many submissions per client address, and per sender's
# e-mail address, an hour.
PUBLIC_RATE = "5/hour"


class EscalationRequestError(DomainError):
    """A request the rules do not allow; the message is for the user."""

    code = "escalation_not_allowed"
    status = 409


class RateLimited(EscalationRequestError):
    pass


@dataclass(frozen=True)
class MicrosoftRequest:
    name: str
    email: str
    microsoft_case_number: str
    customer: str
    criterion: str
    description: str


def _event_for_request(*, request: EscalationRequest, now: dt.datetime) -> EscalationEvent:
    """Inside a transaction: the event, and its emails and webhooks in the outbox (sent
    once the transaction commits)."""
    title = _("Escalation requested by %(name)s") % {"name": request.name}
    event = EscalationEvent.objects.create(
        incident=request.incident,
        request=request,
        kind=EventKind.REQUESTED,
        title=title[:200],
        due_at=now,
        fired_at=now,
    )
    if request.incident is not None:
        escalations_record(
            fired=[
                Escalated(
                    incident_id=request.incident.pk,
                    kind=EventKind.REQUESTED,
                    title=event.title,
                    fired_at=now,
                    reason=request.criterion,
                    requested_by=request.name,
                )
            ]
        )
    event_deliveries_create([event], now=now)
    return event


def escalation_request_by_customer(
    *, incident: Incident, user: AbstractBaseUser, criterion: str, description: str, now: dt.datetime
) -> EscalationRequest:
    """A customer escalates their open incident; the contacts are paged at once."""
    if not incident.is_open:
        raise EscalationRequestError(_("This incident is closed. Reopen it first, or file a new one."))
    if not description.strip():
        raise EscalationRequestError(_("Tell us why the incident needs escalating."))
    recent = EscalationRequest.objects.filter(
        incident=incident, source=RequestSource.CUSTOMER, created_at__gt=now - CUSTOMER_REQUEST_INTERVAL
    ).first()
    if recent is not None:
        raise EscalationRequestError(
            _("This incident was escalated less than an hour ago; the escalation contacts are already on it.")
        )
    with transaction.atomic():
        request = EscalationRequest.objects.create(
            source=RequestSource.CUSTOMER,
            criterion=criterion,
            incident=incident,
            requested_by=user,
            name=user.get_full_name() or user.get_username(),
            email=getattr(user, "email", ""),
            description=description,
            created_at=now,
            verified_at=now,
        )
        _event_for_request(request=request, now=now)
        # No separate acceptance: a customer's request is accepted when it is recorded and
        # its contacts are paged, so that is when the customer hears of it.
        escalation_accepted_email_enqueue(incident=incident, requested_by=user, request_id=request.pk, now=now)
    return request


def public_rate_limit_check(*, remote_addr: str | None, email: str) -> None:
    """Count one submission from the client's address and for the sender's e-mail address
    (each its own limit, `core.rate_limits`); raise `RateLimited` when either is over. The
    address is the real client's behind the proxies (`core.client_address`): keyed on the
    socket's address alone, every request behind a proxy would share one count."""
    limits = client_and_email_limits(
        scope="escalation-form", client=remote_addr, email=email, client_rate=PUBLIC_RATE, email_rate=PUBLIC_RATE
    )
    try:
        # Fails closed: a form that pages people is not opened to floods while the cache
        # that counts is down (django-redis logs the outage).
        wait = minutes_to_wait(limits)
    except CacheUnavailable:
        raise RateLimited(
            _("We cannot accept escalation requests here right now. Please call the contacts below.")
        ) from None
    if wait is not None:
        raise RateLimited(_("Too many escalation requests from your network. Please call the contacts below."))


def verify_token_make(request: EscalationRequest) -> str:
    return signing.dumps({"r": request.pk, "e": request.email}, salt=SIGNING_SALT, compress=True)


def escalation_request_by_microsoft(
    *, data: MicrosoftRequest, remote_addr: str | None, now: dt.datetime
) -> EscalationRequest:
    """Record the request and email the sender a link; nothing is paged until they click it."""
    public_rate_limit_check(remote_addr=remote_addr, email=data.email)
    incident = None
    if data.microsoft_case_number:
        incident = (
            Incident.objects.open().filter(microsoft_case_number=data.microsoft_case_number).order_by("-pk").first()
        )
    request = EscalationRequest.objects.create(
        source=RequestSource.MICROSOFT,
        criterion=data.criterion,
        incident=incident,
        name=data.name,
        email=data.email,
        microsoft_case_number=data.microsoft_case_number,
        customer=data.customer,
        description=data.description,
        remote_addr=remote_addr or None,
        created_at=now,
    )
    url = settings.SITE_URL + reverse("escalation:verify", kwargs={"token": verify_token_make(request)})
    context = {
        "request": request,
        "url": url,
        "valid_hours": int(VERIFY_LINK_MAX_AGE.total_seconds() // 3600),
        "VENDOR_NAME": settings.VENDOR_NAME,
        "PRODUCT_NAME": settings.PRODUCT_NAME,
    }
    subject = " ".join(render_to_string("emails/escalation/verify.subject.txt", context).split())
    message = mail.EmailMultiAlternatives(
        subject=subject, body=render_to_string("emails/escalation/verify.txt", context), to=[request.email]
    )
    message.attach_alternative(render_to_string("emails/escalation/verify.html", context), "text/html")
    transaction.on_commit(message.send)
    return request


def escalation_request_verify(*, token: str, now: dt.datetime) -> EscalationRequest:
    """The sender clicked the link: page the contacts once (a second click changes nothing)."""
    try:
        data = signing.loads(token, salt=SIGNING_SALT, max_age=VERIFY_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise EscalationRequestError(_("This link has expired. Please send the escalation form again.")) from None
    except signing.BadSignature:
        raise EscalationRequestError(_("This link is not valid. Please copy the whole link from the email.")) from None
    request = EscalationRequest.objects.filter(pk=data.get("r"), email=data.get("e")).first()
    if request is None:
        raise EscalationRequestError(_("This escalation request no longer exists."))
    with transaction.atomic():
        # Compare-and-set: only the first click pages anyone.
        if EscalationRequest.objects.filter(pk=request.pk, verified_at__isnull=True).update(verified_at=now):
            request.verified_at = now
            _event_for_request(request=request, now=now)
        else:
            request.refresh_from_db()
    return request
