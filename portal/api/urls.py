"""/api/: version 1 of the REST API, its OpenAPI schema and the interactive docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal.api.views import api_not_found

app_name = "api"

v1 = [
    path("", include("incidents.api.urls")),
    path("", include("escalation.api.urls")),
    path("", include("lifecycle.api.urls")),
    path("", include("knowledgebase.api.urls")),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^(?P<path>.*)$", api_not_found),
]
