"""Serializers shared by every API area: strict input and the error body."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.fields import empty


class StrictSerializer(serializers.Serializer):
    """An input serializer that rejects fields it does not know (400, naming each)."""

    ignored_fields: frozenset[str] = frozenset()

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields) - self.ignored_fields)
            if unknown:
                raise serializers.ValidationError({name: [_("This field is not known.")] for name in unknown})
        return super().to_internal_value(data)


class QuerySerializer(StrictSerializer):
    """Query parameters: the pagination parameters belong to the paginator."""

    ignored_fields = frozenset({"page", "page_size"})


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Machine-readable, e.g. invalid, not_found, throttled."))
    message = serializers.CharField(help_text=_("What went wrong, for a person."))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("The request fields that were wrong, with their messages."),
    )


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


# The error answers every endpoint can give, for the schema.
COMMON_ERRORS = {
    401: error("No valid credentials (a bad or revoked token)."),
    403: error("Not allowed for you."),
    413: error("The request body is too large."),
    429: error("Too many requests; see Retry-After."),
}
PUBLIC_ERRORS = {
    401: error("A bad or revoked token was sent."),
    429: error("Too many requests; see Retry-After."),
}


class UtcDateTimeField(serializers.DateTimeField):
    """Instants in the API are UTC (`…Z`), whatever the caller's time zone in the portal."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("default_timezone", dt.UTC)
        super().__init__(**kwargs)


_PAGES: dict[str, type[serializers.Serializer]] = {}


def paginated(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The schema of one page of `item`s, as `core.api.pagination.ApiPagination` answers."""
    name = f"Paginated{item.__name__.removesuffix('Serializer')}List"
    if name not in _PAGES:
        _PAGES[name] = type(
            name,
            (serializers.Serializer,),
            {
                "count": serializers.IntegerField(help_text=_("How many items there are on all pages.")),
                "next": serializers.URLField(allow_null=True, help_text=_("The next page, or null.")),
                "previous": serializers.URLField(allow_null=True, help_text=_("The previous page, or null.")),
                "results": item(many=True),
                "__module__": __name__,
            },
        )
    return _PAGES[name]


PAGE_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, OpenApiParameter.QUERY, description=_("From 1."), required=False),
    OpenApiParameter(
        "page_size", OpenApiTypes.INT, OpenApiParameter.QUERY, description=_("1 to 100; 25 by default."), required=False
    ),
]


class QueryBooleanField(serializers.BooleanField):
    """A boolean query parameter: absent means "not given", not false (DRF's form default)."""

    default_empty_html = empty
