"""/api/: version 1 of the REST API, its OpenAPI schema and the interactive docs."""

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal.api.views import api_not_found

app_name = "api"

v1 = [
    path("", include("incidents.api.urls")),
    path("", include("escalation.api.urls")),
    path("", include("lifecycle.api.urls")),
    path("", include("knowledgebase.api.urls")),
]

# Swagger UI from drf-spectacular-sidecar (this site's static files), its start-up script
# served by the split view and its page without inline style: the site's Content-Security-
# Policy holds, but for data: images, which swagger-ui.css uses for its icons.
docs = SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="portal/api_docs.html")

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", csp_update({"img-src": ["'self'", "data:"]})(docs), name="docs"),
    re_path(r"^(?P<path>.*)$", api_not_found),
]
