"""The incident page's own admin views: status transitions, replies and files."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from incidents.admin_forms import ReplyForm
from incidents.downloads import attachment_response
from incidents.models import Attachment, Incident, IncidentStatus, Visibility
from incidents.services import IncidentError, comment_add, incident_transition


class IncidentPageViews(admin.ModelAdmin):
    """The views behind the incident page's buttons and reply box (mixed into `IncidentAdmin`)."""

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        return [
            path("<int:object_id>/transition/", wrap(self.transition_view), name="incidents_incident_transition"),
            path("<int:object_id>/reply/", wrap(self.reply_view), name="incidents_incident_reply"),
            path(
                "<int:object_id>/attachments/<int:attachment_id>/",
                wrap(self.attachment_view),
                name="incidents_incident_attachment",
            ),
            *super().get_urls(),
        ]

    def _incident_for_change(self, request: HttpRequest, object_id: int) -> Incident:
        incident = get_object_or_404(Incident, pk=object_id)
        if not self.has_change_permission(request, incident):
            raise PermissionDenied
        return incident

    def _change_url(self, incident: Incident) -> str:
        return reverse("admin:incidents_incident_change", args=[incident.pk])

    @staticmethod
    def _report(request: HttpRequest, exc: IncidentError) -> None:
        messages.error(request, str(exc))

    def transition_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return require_POST(self._transition)(request, object_id)

    def _transition(self, request: HttpRequest, object_id: int) -> HttpResponse:
        incident = self._incident_for_change(request, object_id)
        to_status = request.POST.get("to_status", "")
        if to_status not in IncidentStatus.values:
            messages.error(request, _("Choose a status."))
            return HttpResponseRedirect(self._change_url(incident))
        try:
            incident_transition(
                incident=incident,
                to_status=to_status,
                by=request.user,
                now=timezone.now(),
                note=request.POST.get("note", "").strip(),
            )
        except IncidentError as exc:
            self._report(request, exc)
        else:
            messages.success(
                request,
                _("%(number)s is now %(status)s.")
                % {"number": incident.number, "status": IncidentStatus(to_status).label.lower()},
            )
        return HttpResponseRedirect(self._change_url(incident))

    def reply_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return require_POST(self._reply)(request, object_id)

    def _reply(self, request: HttpRequest, object_id: int) -> HttpResponse:
        incident = self._incident_for_change(request, object_id)
        form = ReplyForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Write a message and choose a public reply or an internal note."))
            return HttpResponseRedirect(self._change_url(incident) + "#reply")
        try:
            comment_add(
                incident=incident,
                author=request.user,
                body=form.cleaned_data["body"],
                visibility=form.cleaned_data["visibility"],
                files=request.FILES.getlist("files"),
                now=timezone.now(),
            )
        except IncidentError as exc:
            self._report(request, exc)
            return HttpResponseRedirect(self._change_url(incident) + "#reply")
        if form.cleaned_data["visibility"] == Visibility.INTERNAL:
            messages.success(request, _("Internal note added; the customer does not see it."))
        else:
            messages.success(request, _("Reply sent to the customer."))
        return HttpResponseRedirect(self._change_url(incident) + "#timeline")

    def attachment_view(self, request: HttpRequest, object_id: int, attachment_id: int) -> HttpResponse:
        incident = get_object_or_404(Incident, pk=object_id)
        if not self.has_view_or_change_permission(request, incident):
            raise PermissionDenied
        attachment = get_object_or_404(Attachment, pk=attachment_id, incident=incident)
        try:
            return attachment_response(attachment)
        except FileNotFoundError:
            raise Http404(_("The file is missing from storage.")) from None
