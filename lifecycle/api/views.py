"""Lifecycle endpoints: our versions and where each stands in its support lifecycle."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import ApiPagination
from core.api.serializers import PAGE_PARAMETERS, PUBLIC_ERRORS, error, paginated
from lifecycle import selectors
from lifecycle.api import serializers as s


class VersionListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="lifecycle_versions_list",
        summary=_("Product versions and their support lifecycle"),
        description=_("The same data as the lifecycle page: phase today, end of support, Dynamics versions."),
        parameters=[s.VersionListQuerySerializer, *PAGE_PARAMETERS],
        responses={
            200: paginated(s.VersionSerializer),
            400: error("A parameter is not valid."),
            **PUBLIC_ERRORS,
            404: error("No such page."),
        },
    )
    def get(self, request: Request) -> Response:
        query = s.VersionListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.lifecycle_rows(on=selectors.lifecycle_today(timezone.now()))
        if "product" in query.validated_data:
            rows = [r for r in rows if r.product is not None and r.product.code == query.validated_data["product"]]
        if "supported" in query.validated_data:
            rows = [r for r in rows if r.is_supported == query.validated_data["supported"]]
        paginator = ApiPagination()
        page = paginator.paginate_queryset(rows, request, self)
        return paginator.get_paginated_response(s.VersionSerializer(page, many=True).data)
