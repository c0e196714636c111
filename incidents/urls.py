from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.incident_new, name="new"),
    path("new/cannot-submit/", views.incident_cannot_submit, name="cannot_submit"),
    path("new/discard-draft/", views.incident_discard_draft, name="discard_draft"),
    path("preview/", views.markdown_preview, name="preview"),
    path("<str:number>/", views.incident_detail, name="detail"),
    path("<str:number>/submitted/", views.incident_submitted, name="submitted"),
    path("<str:number>/comment/", views.incident_comment, name="comment"),
    path("<str:number>/confirm/", views.incident_confirm, name="confirm"),
    path("<str:number>/reopen/", views.incident_reopen_view, name="reopen"),
    path("<str:number>/share/", views.incident_share_view, name="share"),
    path("<str:number>/unshare/<int:user_id>/", views.incident_unshare_view, name="unshare"),
    path("<str:number>/files/<int:pk>/", views.attachment_download, name="attachment"),
]
