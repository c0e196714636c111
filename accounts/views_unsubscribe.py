"""The one-click unsubscribe link of the optional e-mails (RFC 8058): a GET shows a page that
asks, a POST turns the kind off, without sign-in (the signed token is the proof)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.models import EmailKind
from accounts.unsubscribe import email_opt_out, unsubscribe_token_parse


@csrf_exempt  # a mail client's one-click POST carries no cookie; the signed token is the proof
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    parsed = unsubscribe_token_parse(token)
    if parsed is None:
        raise Http404("Unknown unsubscribe link")
    user_id, kind = parsed
    done = request.method == "POST"
    if done:
        email_opt_out(user_id=user_id, kind=kind, now=timezone.now())
    return render(request, "accounts/unsubscribe.html", {"kind_label": EmailKind(kind).label, "done": done})
