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

urlpatterns = [
    path("incidents/", views.IncidentCollectionApi.as_view(), name="collection"),
    path("incidents/<incident_number:number>/", views.IncidentDetailApi.as_view(), name="detail"),
    path("incidents/<incident_number:number>/comments/", views.IncidentCommentsApi.as_view(), name="comments"),
    path("incidents/<incident_number:number>/attachments/", views.IncidentAttachmentsApi.as_view(), name="attachments"),
    path(
        "incidents/<incident_number:number>/attachments/<int:pk>/",
        views.IncidentAttachmentDownloadApi.as_view(),
        name="attachment",
    ),
    path(
        "incidents/<incident_number:number>/confirm-resolution/",
        views.IncidentConfirmResolutionApi.as_view(),
        name="confirm_resolution",
    ),
    path("incidents/<incident_number:number>/escalation/", views.IncidentEscalationApi.as_view(), name="escalation"),
    path("sla/targets/", views.SlaTargetsApi.as_view(), name="sla_targets"),
    path("sla/deadline/", views.SlaDeadlineApi.as_view(), name="sla_deadline"),
]
