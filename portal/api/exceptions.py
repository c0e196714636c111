"""The one place where errors become API responses.

Every error is JSON: `{"code": "...", "message": "...", "fields": {...}}`. `code` is
machine-readable and stable, `message` is for a person, `fields` names the request fields
that were wrong (empty when the error is not about a field). Domain errors of the
services map here, once; anything not handled here is a bug and stays a 500.
"""

from __future__ import annotations

import logging
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from accounts.entitlements import EntitlementError
from core.api.errors import ApiError, RequestTooLarge, ServiceUnavailable, error_body
from core.errors import DomainError
from sla.deadlines import UnknownTarget

logger = logging.getLogger(__name__)


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _flatten(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _flatten(value)]
    return [str(detail)]


def _fields(detail) -> dict[str, list[str]]:
    """DRF's error detail as {field: [messages]}; nested fields joined with dots."""
    fields: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
            for index, inner in enumerate(value):
                walk(f"{prefix}.{index}" if prefix else str(index), inner)
        else:
            fields.setdefault(prefix or "non_field_errors", []).extend(_flatten(value))

    walk("", detail)
    return fields


def _validation_response(detail) -> tuple[str, str, dict[str, list[str]]]:
    if not isinstance(detail, dict | list):
        detail = {"non_field_errors": [detail]}
    fields = _fields(detail) or {"non_field_errors": [_("The request is not valid.")]}
    first_field, messages = next(iter(fields.items()))
    if first_field == "non_field_errors":
        message = messages[0]
    else:
        message = _("%(field)s: %(message)s") % {"field": first_field, "message": messages[0]}
    return "invalid", message, fields


def _translate(exc: Exception) -> Exception:
    """Django's and the services' exceptions as API exceptions."""
    if isinstance(exc, Http404):
        return ApiError(_("Not found."), code="not_found", status_code=404)
    if isinstance(exc, DjangoPermissionDenied):
        return ApiError(
            str(exc) or _("You do not have permission to do this."), code="permission_denied", status_code=403
        )
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge(_("The request body is too large."))
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return ApiError(_("The request has too many fields or files."), code="too_many_fields", status_code=400)
    if isinstance(exc, EntitlementError):
        return ApiError(exc.reason, code=exc.code, status_code=403)
    if isinstance(exc, DomainError):
        message = str(exc)
        fields = {exc.field: [message]} if exc.field else None
        return ApiError(message, code=exc.code, status_code=exc.status, fields=fields)
    if isinstance(exc, OperationalError | InterfaceError):  # the database is down or stalled
        logger.warning("database unavailable: %s: %s", exc.__class__.__name__, str(exc)[:200])
        return ServiceUnavailable(_("The service is briefly unavailable. Please try again in a minute."))
    if isinstance(exc, UnknownTarget):
        message = _("There is no response target for this plan and severity.")
        return ApiError(message, code="no_response_target", fields={"severity": [message]})
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(exc.message_dict)
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    return exc


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    exc = _translate(exc)
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: Django's 500 handling and logging take over
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    fields: dict = {}
    if isinstance(exc, exceptions.ValidationError):
        code, message, fields = _validation_response(exc.detail)
    elif isinstance(exc, exceptions.Throttled):
        code = "throttled"
        wait = math.ceil(exc.wait) if exc.wait is not None else None
        if wait is not None:
            headers["Retry-After"] = str(wait)
            message = _("Too many requests. Try again in %(seconds)d seconds.") % {"seconds": wait}
        else:
            message = _("Too many requests. Try again later.")
    elif isinstance(exc, ServiceUnavailable):
        code, message = "unavailable", str(exc.detail)
        headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, ApiError):
        code, message, fields = str(exc.detail.code), str(exc.detail), exc.fields
    elif isinstance(exc, exceptions.ParseError):
        code, message = "parse_error", _("The request body is not valid: %(detail)s") % {"detail": exc.detail}
    else:
        detail = exc.detail
        code = str(getattr(detail, "code", None) or exc.default_code)
        message = " ".join(_flatten(detail))
    set_rollback()
    return Response(error_body(code, message, fields), status=exc.status_code, headers=headers)
