"""Input and output serializers of the lifecycle API."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import QueryBooleanField, QuerySerializer
from lifecycle.models import Phase, PolicyKind


class VersionListQuerySerializer(QuerySerializer):
    product = serializers.SlugField(required=False, max_length=60, help_text=_("A product code."))
    supported = QueryBooleanField(required=False, help_text=_("true: supported versions only; false: ended only."))


class VersionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="version.pk", help_text=_("Use as product_version when filing an incident."))
    product = serializers.CharField(source="version.product.code")
    product_name = serializers.CharField(source="version.product.name")
    version = serializers.CharField(source="version.version")
    build = serializers.CharField(source="version.build")
    released_on = serializers.DateField(source="version.released_on", allow_null=True)
    policy = serializers.ChoiceField(source="version.policy", choices=PolicyKind.choices)
    mainstream_end_on = serializers.DateField(source="version.mainstream_end_on", allow_null=True)
    extended_end_on = serializers.DateField(source="version.extended_end_on", allow_null=True)
    phase = serializers.ChoiceField(choices=Phase.choices, help_text=_("Where the version stands today."))
    phase_label = serializers.CharField()
    is_supported = serializers.BooleanField()
    support_ends_on = serializers.DateField(source="ends_on", allow_null=True)
    runs_on = serializers.SerializerMethodField(help_text=_("The Microsoft Dynamics versions it runs on."))

    def get_runs_on(self, row) -> list[str]:
        return [d.listing_name for d in row.dynamics]
