from django.urls import path

from incidents import views, views_incident

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.incident_new, name="new"),
    path("new/cannot-submit/", views.incident_cannot_submit, name="cannot_submit"),
    path("new/discard-draft/", views.incident_discard_draft, name="discard_draft"),
    path("preview/", views.markdown_preview, name="preview"),
    path("<str:number>/", views_incident.incident_detail, name="detail"),
    path("<str:number>/submitted/", views.incident_submitted, name="submitted"),
    path("<str:number>/comment/", views_incident.incident_comment, name="comment"),
    path("<str:number>/confirm/", views_incident.incident_confirm, name="confirm"),
    path("<str:number>/reopen/", views_incident.incident_reopen_view, name="reopen"),
    path("<str:number>/share/", views_incident.incident_share_view, name="share"),
    path("<str:number>/unshare/<int:user_id>/", views_incident.incident_unshare_view, name="unshare"),
    path("<str:number>/files/<int:pk>/", views_incident.attachment_download, name="attachment"),
]
