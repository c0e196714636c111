from django.urls import path

from lifecycle.api import views

app_name = "lifecycle"

urlpatterns = [
    path("lifecycle/versions/", views.VersionListApi.as_view(), name="versions"),
]
