from django.urls import path

from escalation.api import views
from incidents.api.urls import INCIDENT

app_name = "escalation"

urlpatterns = [
    path(f"{INCIDENT}escalation/", views.IncidentEscalationApi.as_view(), name="request"),
]
