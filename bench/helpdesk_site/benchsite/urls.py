"""django-helpdesk at the root (its public ticket form is its home page, `/`), plus a bare view."""

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def hello(request: HttpRequest) -> HttpResponse:
    """The floor of a request through this project's middleware: no template, no database."""
    return HttpResponse("hello", content_type="text/plain")


urlpatterns = [
    path("hello/", hello),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("helpdesk.urls", namespace="helpdesk")),
]
