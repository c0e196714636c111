"""The incident page's own admin views: status transitions, replies and files."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from incidents.admin_forms import ReplyForm
from incidents.downloads import attachment_response
from incidents.models import Attachment, Incident, IncidentStatus, Visibility
from incidents.selectors.macros import macro_usable, macros_rendered
from incidents.selectors.page import incident_changes_since
from incidents.services import IncidentError, comment_add, incident_transition
from incidents.services.macros import macro_count_use

KIND_SESSION_KEY = "incidents.reply_kind"  # the message kind this engineer used last
CONFIRM_STATUSES = (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)  # asked again, with a note


def draft_session_key(incident_id: int) -> str:
    return f"incidents.draft.{incident_id}"


def macro_session_key(incident_id: int) -> str:
    return f"incidents.macro.{incident_id}"


def reply_kind_initial(request: HttpRequest) -> str:
    """The kind the engineer used last (sticky: after an internal note, an internal note)."""
    kind = request.session.get(KIND_SESSION_KEY, Visibility.PUBLIC)
    return kind if kind in Visibility.values else Visibility.PUBLIC


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

    def _refused_if_stale(self, request: HttpRequest, incident: Incident) -> bool:
        """A form from a page loaded before the incident changed is refused, saying what changed."""
        changes = incident_changes_since(incident, request.POST.get("stamp", ""))
        if changes:
            messages.error(
                request,
                _("Not saved: the incident changed since you opened it (%(changes)s). Check and try again.")
                % {"changes": "; ".join(changes)},
            )
        return bool(changes)

    def _transition(self, request: HttpRequest, object_id: int) -> HttpResponse:
        incident = self._incident_for_change(request, object_id)
        to_status = request.POST.get("to_status", "")
        if to_status not in IncidentStatus.values:
            messages.error(request, _("Choose a status."))
            return HttpResponseRedirect(self._change_url(incident))
        if self._refused_if_stale(request, incident):
            return HttpResponseRedirect(self._change_url(incident))
        note = request.POST.get("note", "").strip()
        if to_status in CONFIRM_STATUSES and (request.POST.get("confirmed") != "yes" or not note):
            return self._confirm_transition(request, incident, to_status, note)
        try:
            incident_transition(incident=incident, to_status=to_status, by=request.user, now=timezone.now(), note=note)
        except IncidentError as exc:
            self._report(request, exc)
        else:
            messages.success(
                request,
                _("%(number)s is now %(status)s.")
                % {"number": incident.number, "status": IncidentStatus(to_status).label.lower()},
            )
        return HttpResponseRedirect(self._change_url(incident))

    def _confirm_transition(self, request: HttpRequest, incident: Incident, to_status: str, note: str) -> HttpResponse:
        """Close and Resolve ask first, with a note (a page of its own: works without JavaScript)."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "incident": incident,
            "to_status": to_status,
            "to_label": IncidentStatus(to_status).label,
            "note": note,
            "note_missing": request.POST.get("confirmed") == "yes" and not note,
            "stamp": request.POST.get("stamp", ""),
            "title": _("Confirm: %(status)s") % {"status": IncidentStatus(to_status).label},
        }
        return TemplateResponse(request, "admin/incidents/incident/confirm_transition.html", context)

    def reply_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return require_POST(self._reply)(request, object_id)

    def _reply(self, request: HttpRequest, object_id: int) -> HttpResponse:
        incident = self._incident_for_change(request, object_id)
        if "insert" in request.POST:
            return self._insert_macro(request, incident)
        form = ReplyForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Write a message and choose a public reply or an internal note."))
            return HttpResponseRedirect(self._change_url(incident) + "#reply")
        kind = form.cleaned_data["visibility"]
        request.session[KIND_SESSION_KEY] = kind
        if self._refused_if_stale(request, incident):
            request.session[draft_session_key(incident.pk)] = form.cleaned_data["body"]  # kept, not lost
            return HttpResponseRedirect(self._change_url(incident) + "#reply")
        try:
            comment_add(
                incident=incident,
                author=request.user,
                body=form.cleaned_data["body"],
                visibility=kind,
                files=request.FILES.getlist("files"),
                now=timezone.now(),
            )
        except IncidentError as exc:
            self._report(request, exc)
            return HttpResponseRedirect(self._change_url(incident) + "#reply")
        request.session.pop(draft_session_key(incident.pk), None)
        request.session.pop(macro_session_key(incident.pk), None)
        macro = (
            macro_usable(macro_id=form.cleaned_data["macro"], user=request.user) if form.cleaned_data["macro"] else None
        )
        if macro is not None:
            macro_count_use(macro=macro)
        if kind == Visibility.INTERNAL:
            messages.success(request, _("Internal note added; the customer does not see it."))
        else:
            messages.success(request, _("Reply sent to the customer."))
        return HttpResponseRedirect(self._change_url(incident) + "#timeline")

    def _insert_macro(self, request: HttpRequest, incident: Incident) -> HttpResponse:
        """The picker without JavaScript: the saved reply, filled in, joins the draft."""
        macro_id = request.POST.get("macro", "")
        chosen = {m.pk: m for m in macros_rendered(incident=incident, engineer=request.user)}
        macro = chosen.get(int(macro_id)) if macro_id.isdigit() else None
        if macro is None:
            messages.error(request, _("Choose a saved reply."))
        else:
            draft = request.POST.get("body", "").rstrip()
            request.session[draft_session_key(incident.pk)] = f"{draft}\n\n{macro.text}" if draft else macro.text
            request.session[macro_session_key(incident.pk)] = macro.pk
            if request.POST.get("visibility") in Visibility.values:
                request.session[KIND_SESSION_KEY] = request.POST["visibility"]
        return HttpResponseRedirect(self._change_url(incident) + "#reply")

    def attachment_view(self, request: HttpRequest, object_id: int, attachment_id: int) -> HttpResponse:
        incident = get_object_or_404(Incident, pk=object_id)
        if not self.has_view_or_change_permission(request, incident):
            raise PermissionDenied
        attachment = get_object_or_404(Attachment, pk=attachment_id, incident=incident)
        try:
            return attachment_response(attachment)
        except FileNotFoundError:
            raise Http404(_("The file is missing from storage.")) from None
