"""The API's own exceptions, free of domain imports (parsers and pagination raise them)."""

from __future__ import annotations

from rest_framework import exceptions, status


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = "The request body is too large."


class ApiError(exceptions.APIException):
    """A rule of the API itself (not a service's), with its own code and status."""

    def __init__(self, message: str, *, code: str, status_code: int = 400, fields: dict | None = None) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.fields = fields or {}


class ServiceUnavailable(exceptions.APIException):
    """Something the API needs (the database) is down or too slow: try again shortly."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "unavailable"
    default_detail = "The service is briefly unavailable. Please try again in a minute."
    retry_after = 30


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"code": code, "message": str(message), "fields": fields or {}}
