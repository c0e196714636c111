from django.urls import path

from sla import views as views_sla

app_name = "sla"

urlpatterns = [
    path("", views_sla.sla_page, name="page"),
]
