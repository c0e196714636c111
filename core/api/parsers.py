"""Request body parsers that refuse oversized bodies before reading them (413 JSON)."""

from __future__ import annotations

import io

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, MultiPartParser

from core.api.errors import RequestTooLarge

JSON_MAX_BYTES = 1024 * 1024  # an incident's description fits many times over
# No request of this API nests more than a few levels; a deep one is an attack on the parser.
JSON_MAX_DEPTH = 32


def _content_length(parser_context: dict | None) -> int:
    request = (parser_context or {}).get("request")
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
    except (TypeError, ValueError):
        return 0


def _refuse_over(limit: int, parser_context: dict | None) -> None:
    if _content_length(parser_context) > limit:
        raise RequestTooLarge(
            _("The request body is larger than %(limit)d MB, the most this endpoint accepts.")
            % {"limit": max(1, limit // 1024 // 1024)}
        )


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _refuse_over(JSON_MAX_BYTES, parser_context)
        if stream is not None:
            # Never read more than the limit, whatever Content-Length claimed.
            body = stream.read(JSON_MAX_BYTES + 1)
            if len(body) > JSON_MAX_BYTES:
                raise RequestTooLarge(_("The request body is larger than 1 MB, the most this endpoint accepts."))
            stream = io.BytesIO(body)
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:  # json's decoder recurses once per level
            raise ParseError(_("JSON parse error - nested too deeply.")) from exc
        if _depth_over(data, JSON_MAX_DEPTH):
            raise ParseError(_("JSON parse error - nested deeper than %(depth)d levels.") % {"depth": JSON_MAX_DEPTH})
        return data


def _depth_over(data: object, limit: int) -> bool:
    """Whether lists and objects nest more than `limit` levels deep (without recursing)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return False


class LimitedMultiPartParser(MultiPartParser):
    """Attachments: the file limit of the portal plus room for the form fields."""

    def parse(self, stream, media_type=None, parser_context=None):
        _refuse_over(settings.ATTACHMENT_MAX_BYTES + JSON_MAX_BYTES, parser_context)
        return super().parse(stream, media_type, parser_context)
