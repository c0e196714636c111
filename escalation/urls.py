from django.urls import path

from escalation import views

app_name = "escalation"

urlpatterns = [
    path("support/escalation/", views.escalation_page, name="page"),
    path("support/escalation/sent/", views.escalation_sent, name="sent"),
    path("support/escalation/verify/<str:token>/", views.escalation_verify, name="verify"),
    path("incidents/<str:number>/escalate/", views.escalation_request, name="request"),
]
