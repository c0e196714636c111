"""The API's own endpoints: the JSON 404 for unknown API paths."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from core.api.errors import error_body


def _with_slash_exists(request: HttpRequest) -> bool:
    if request.path.endswith("/"):
        return False
    try:
        match = resolve(request.path + "/")
    except Resolver404:
        return False
    return match.func is not api_not_found


@csrf_exempt
def api_not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Unknown API paths answer in JSON; a GET without the final slash is redirected."""
    if _with_slash_exists(request):
        with_slash = request.path + "/"
        if request.method in ("GET", "HEAD"):
            target = with_slash + ("?" + request.META["QUERY_STRING"] if request.META.get("QUERY_STRING") else "")
            response = JsonResponse(error_body("moved", _("Use %(path)s.") % {"path": with_slash}), status=308)
            response["Location"] = target
            return response
        message = _("There is no API endpoint at this address; use %(path)s (with the final slash).")
        return JsonResponse(error_body("not_found", message % {"path": with_slash}), status=404)
    return JsonResponse(error_body("not_found", _("There is no API endpoint at this address.")), status=404)
