from django.urls import path

from portal.views import not_yet_published

app_name = "lifecycle"

urlpatterns = [
    path(
        "support/lifecycle/",
        not_yet_published,
        {"title": "Support lifecycle", "summary": "How long each version of the add-on is supported."},
        name="lifecycle",
    ),
    path(
        "support/contacts/",
        not_yet_published,
        {"title": "Support contacts", "summary": "How to reach support and the escalation contact for Microsoft."},
        name="contacts",
    ),
    path(
        "roadmap/",
        not_yet_published,
        {"title": "Roadmap", "summary": "Our statement of direction and planned releases."},
        name="roadmap",
    ),
    path(
        "cfmd/",
        not_yet_published,
        {"title": "CfMD compliance", "summary": "Evidence for the Certified for Microsoft Dynamics requirements."},
        name="cfmd",
    ),
]
