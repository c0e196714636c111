from django.urls import path

from cfmd import views

app_name = "cfmd"

urlpatterns = [
    path("support/lifecycle/", views.lifecycle_page, name="lifecycle"),
    path("support/lifecycle/calendar.ics", views.lifecycle_calendar, name="lifecycle_calendar"),
    path("support/lifecycle/version-status/", views.version_status, name="version_status"),
    path("support/contacts/", views.contacts_page, name="contacts"),
    path("roadmap/", views.roadmap_page, name="roadmap"),
    path("cfmd/", views.cfmd_page, name="cfmd"),
    path("cfmd/evidence-pack/", views.evidence_pack_page, name="evidence_pack"),
]
