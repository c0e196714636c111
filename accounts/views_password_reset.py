"""The password-reset form: Django's, limited per client and per e-mail address, whose
e-mail a Celery task sends (accounts/password_reset.py)."""

from __future__ import annotations

from functools import partial

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.lockout import forget_failures
from accounts.rate_limits import password_reset_limits
from accounts.tasks import password_reset_send
from core.broker_guard import enqueue
from core.rate_limits import CacheUnavailable, cannot_count_now, minutes_to_wait, try_again_in


def _enqueue(user_id: int, language: str) -> None:
    # The page says the same whether or not an account exists: it cannot say that the
    # e-mail could not be queued either (logged; the person can ask again).
    enqueue(
        partial(password_reset_send.delay, user_id=user_id, language=language),
        what=f"the password-reset e-mail of user {user_id}",
    )


class QueuedPasswordResetForm(PasswordResetForm):
    """Enqueues the e-mail of each matching account instead of sending it on the request;
    the worker makes the link (not from this request's host)."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs) -> None:
        transaction.on_commit(partial(_enqueue, context["user"].pk, translation.get_language()))


class PasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        try:
            minutes = minutes_to_wait(password_reset_limits(self.request, form.cleaned_data["email"]))
        except CacheUnavailable:
            form.add_error(None, cannot_count_now())
            return self.render_to_response(self.get_context_data(form=form), status=503)
        if minutes is None:
            return super().form_valid(form)
        form.add_error(None, _("Too many password reset requests.") + " " + try_again_in(minutes))
        return self.render_to_response(self.get_context_data(form=form), status=429)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's; a new password also lifts the account's sign-in locks (accounts/lockout.py)."""

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        forget_failures(form.user.get_username())
        return response
