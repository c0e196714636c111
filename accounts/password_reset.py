"""Password resets: the e-mail, sent by a Celery task (`accounts.tasks`); the form's limits
are in `accounts.rate_limits`.

The e-mail is rendered and its token made in the worker, from the user's id: the link, a
credential until it is used or expires, is in no task argument, outbox row or log. It is
built from SITE_URL, never from the request's Host header. It does not go through the
`notify` outbox (which sits above this app and keeps what it sends, readable by engineers
in the admin)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"
TEXT_TEMPLATE = "registration/password_reset_email.txt"
HTML_TEMPLATE = "registration/password_reset_email.html"


def password_reset_email_send(*, user_id: int, language: str | None) -> bool:
    """E-mail an active user with a usable password a link to choose a new one, in
    `language`. False if there is no such user (any more)."""
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password() or not user.email:
        return False
    protocol, domain = settings.SITE_URL.split("://", 1)
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": settings.PRODUCT_NAME,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": protocol,
        "PRODUCT_NAME": settings.PRODUCT_NAME,
        "VENDOR_NAME": settings.VENDOR_NAME,
    }
    with translation.override(language or settings.LANGUAGE_CODE):
        PasswordResetForm().send_mail(
            SUBJECT_TEMPLATE, TEXT_TEMPLATE, context, None, user.email, html_email_template_name=HTML_TEMPLATE
        )
    return True
