"""Staff land on their queue: the admin's sign-in sends whoever asked for no page, or for the
admin's index (where `/admin/` sends a signed-out visitor), to the incident queue."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


def admin_sign_in(request: HttpRequest) -> HttpResponse:
    index = reverse("admin:index")
    asked = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or index
    if asked == index:
        request.GET = request.GET.copy()
        request.GET[REDIRECT_FIELD_NAME] = reverse("admin:incidents_incident_changelist")
        if request.method == "POST":
            request.POST = request.POST.copy()
            request.POST[REDIRECT_FIELD_NAME] = request.GET[REDIRECT_FIELD_NAME]
    return admin.site.login(request)
