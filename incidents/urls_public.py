from django.urls import path

from portal.views import not_yet_published

app_name = "sla"

urlpatterns = [
    path(
        "",
        not_yet_published,
        {
            "title": "Support and SLA",
            "summary": "Our service level agreement: initial response times by plan and severity.",
        },
        name="page",
    ),
]
