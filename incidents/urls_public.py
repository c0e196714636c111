from django.urls import path

from incidents import views_sla

app_name = "sla"

urlpatterns = [
    path("", views_sla.sla_page, name="page"),
]
