"""The API's own endpoints: the JSON 404 for unknown API paths."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from portal.api.errors import error_body


@csrf_exempt
def api_not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Unknown API paths answer in JSON; a GET without the final slash is redirected."""
    if request.method in ("GET", "HEAD") and not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            target = request.path + "/"
            if request.META.get("QUERY_STRING"):
                target += "?" + request.META["QUERY_STRING"]
            response = JsonResponse(error_body("moved", _("Use %(path)s.") % {"path": request.path + "/"}), status=308)
            response["Location"] = target
            return response
    return JsonResponse(error_body("not_found", _("There is no API endpoint at this address.")), status=404)
