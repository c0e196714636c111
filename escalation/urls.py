from django.urls import path

from portal.views import not_yet_published

app_name = "escalation"

urlpatterns = [
    path(
        "support/escalation/",
        not_yet_published,
        {"title": "Escalation", "summary": "The escalation procedure and named escalation contacts."},
        name="page",
    ),
]
