"""The fresh proof a new authenticator app needs after `manage.py otp_reset` (the password
alone is not enough: whoever knows it would set up their own app): a one-time link e-mailed
to the account's address, opened in the session that enrols, or a staff member's approval
in the admin. `accounts.two_factor.enrolment_allowed` reads what this module writes.

The link is a credential, sent like the password-reset link (`accounts.password_reset`): by
its own Celery task, made in the worker from the user's id and the row's nonce, built from
SITE_URL; not through the `notify` outbox. It works once, for LINK_VALID, and only for the
signed-in owner of the account; opening it binds the proof to that session."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import get_random_string

from accounts.models import TwoFactorReenrolment
from accounts.two_factor import PROOF_SESSION_KEY

LINK_SALT = "accounts.two_factor_proof"
LINK_VALID = dt.timedelta(hours=1)


def proof_link_prepare(*, user: Any) -> bool:
    """A new nonce for the next link (an earlier link stops working); False if the person
    needs no proof."""
    return bool(
        TwoFactorReenrolment.objects.filter(user_id=user.pk).update(link_nonce=get_random_string(32), session_nonce="")
    )


def proof_link_email_send(*, user_id: int, language: str | None) -> bool:
    """E-mail the link (the worker's side). False if there is nothing to send any more."""
    reenrolment = TwoFactorReenrolment.objects.filter(user_id=user_id, user__is_active=True).first()
    if reenrolment is None or not reenrolment.link_nonce:
        return False
    user = get_user_model()._default_manager.get(pk=user_id)
    if not user.email:
        return False
    token = signing.dumps({"u": user.pk, "n": reenrolment.link_nonce}, salt=LINK_SALT)
    context = {
        "url": settings.SITE_URL + reverse("two_factor_proof_link", args=[token]),
        "PRODUCT_NAME": settings.PRODUCT_NAME,
        "VENDOR_NAME": settings.VENDOR_NAME,
    }
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string("emails/accounts/two_factor_link.subject.txt", context).strip()
        text = render_to_string("emails/accounts/two_factor_link.txt", context)
    send_mail(subject, text, None, [user.email])
    return True


def proof_link_open(*, request: HttpRequest, token: str) -> bool:
    """The signed-in owner opened the link: this session may enrol. Once (compare-and-set)."""
    try:
        payload = signing.loads(token, salt=LINK_SALT, max_age=LINK_VALID)
    except signing.BadSignature:
        return False
    nonce = payload.get("n") or ""
    if payload.get("u") != request.user.pk or not nonce:
        return False
    session_nonce = get_random_string(32)
    opened = TwoFactorReenrolment.objects.filter(user_id=request.user.pk, link_nonce=nonce).update(
        link_nonce="", session_nonce=session_nonce
    )
    if opened:
        request.session[PROOF_SESSION_KEY] = session_nonce
    return bool(opened)


def reenrolment_approve(*, reenrolment: TwoFactorReenrolment, by: Any, now: dt.datetime) -> None:
    """A staff member vouches for the person (they called support): the next app may be set up
    with the password."""
    TwoFactorReenrolment.objects.filter(pk=reenrolment.pk).update(approved_by=by, approved_at=now)
