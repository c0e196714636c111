from django.urls import path, register_converter

from incidents.api import views


class IncidentNumberConverter:
    """Incident numbers are letters, digits and dashes; anything else is not an incident."""

    regex = r"[A-Za-z0-9-]{1,20}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(IncidentNumberConverter, "incident_number")

app_name = "incidents"

# One incident's URLs; other apps add theirs under it (escalation.api.urls).
INCIDENT = "incidents/<incident_number:number>/"

urlpatterns = [
    path("incidents/", views.IncidentCollectionApi.as_view(), name="collection"),
    path(INCIDENT, views.IncidentDetailApi.as_view(), name="detail"),
    path(f"{INCIDENT}comments/", views.IncidentCommentsApi.as_view(), name="comments"),
    path(f"{INCIDENT}attachments/", views.IncidentAttachmentsApi.as_view(), name="attachments"),
    path(
        f"{INCIDENT}attachments/<int:pk>/",
        views.IncidentAttachmentDownloadApi.as_view(),
        name="attachment",
    ),
    path(
        f"{INCIDENT}confirm-resolution/",
        views.IncidentConfirmResolutionApi.as_view(),
        name="confirm_resolution",
    ),
    path("sla/targets/", views.SlaTargetsApi.as_view(), name="sla_targets"),
    path("sla/deadline/", views.SlaDeadlineApi.as_view(), name="sla_deadline"),
]
