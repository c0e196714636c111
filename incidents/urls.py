from django.urls import path

from portal.views import not_yet_published

app_name = "incidents"

urlpatterns = [
    path(
        "",
        not_yet_published,
        {"title": "My incidents", "summary": "Your organisation's support incidents."},
        name="list",
    ),
]
