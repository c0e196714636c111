"""The page where a contact or engineer creates and revokes personal API tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.api.selectors import api_token_get_for_user, api_tokens_of
from accounts.api.services import ApiTokenError, api_token_create, api_token_revoke

TOKENS_PER_PAGE = 20


VALIDITY_CHOICES = [
    ("30", gettext_lazy("30 days")),
    ("90", gettext_lazy("90 days")),
    ("365", gettext_lazy("1 year")),
    ("", gettext_lazy("No expiry")),
]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What uses the token, e.g. “Helpdesk sync” or “Dynamics job queue”."),
    )
    valid_for = forms.ChoiceField(
        label=gettext_lazy("Expires after"),
        choices=VALIDITY_CHOICES,
        initial="90",
        required=False,
        help_text=gettext_lazy(
            "A token that expires limits the harm if it leaks. Changing your password revokes all tokens."
        ),
    )


@never_cache
@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """List the person's tokens; POST creates one and shows its key on this response only."""
    form = ApiTokenForm(request.POST or None)
    created = None
    raw_key = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created, raw_key = api_token_create(
                    user=request.user,
                    name=form.cleaned_data["name"],
                    now=timezone.now(),
                    valid_days=int(form.cleaned_data["valid_for"] or 0) or None,
                )
            except ApiTokenError as error:
                form.add_error("name", str(error))
                status = 400
            else:
                form = ApiTokenForm()
        else:
            status = 400
    page = Paginator(api_tokens_of(request.user), TOKENS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "created": created, "raw_key": raw_key}
    return render(request, "accounts/api_tokens.html", context, status=status)


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = api_token_get_for_user(user=request.user, pk=pk)
    try:
        api_token_revoke(token=token, by=request.user, now=timezone.now())
    except ApiTokenError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The token “%(name)s” is revoked; it no longer works.") % {"name": token.name})
    return redirect("api_tokens")
