"""Page-number pagination with a clear 400 for a bad page or page size."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination

from core.api.errors import ApiError

MAX_PAGE_SIZE = 100


class ApiPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def validate_page_parameters(self, request) -> None:
        """A 400 naming `page` or `page_size` when it is not a whole number in range."""
        for name, upper in ((self.page_query_param, None), (self.page_size_query_param, MAX_PAGE_SIZE)):
            raw = request.query_params.get(name)
            if raw is None:
                continue
            if (
                not (raw.isascii() and raw.isdigit())
                or len(raw) > 9
                or int(raw) < 1
                or (upper is not None and int(raw) > upper)
            ):
                message = (
                    _("Give a whole number from 1 to %(upper)d.") % {"upper": upper}
                    if upper
                    else _("Give a whole number from 1 up.")
                )
                raise exceptions.ValidationError({name: [message]})

    def paginate_queryset(self, queryset, request, view=None):
        self.validate_page_parameters(request)
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound:
            raise ApiError(_("There is no such page."), code="not_found", status_code=404) from None

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["count", "next", "previous", "results"]
        return response

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = MAX_PAGE_SIZE
        return parameters
