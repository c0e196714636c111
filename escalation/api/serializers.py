"""Input and output serializers of the escalation API."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import StrictSerializer, UtcDateTimeField
from escalation.models import Criterion


class EscalationCreateSerializer(StrictSerializer):
    criterion = serializers.ChoiceField(choices=Criterion.choices, help_text=_("Why the incident needs escalating."))
    description = serializers.CharField(max_length=5000, help_text=_("What has changed, and what you need from us."))


class EscalationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    incident = serializers.CharField(source="incident.number")
    criterion = serializers.ChoiceField(choices=Criterion.choices)
    description = serializers.CharField()
    requested_by = serializers.CharField(source="name")
    created_at = UtcDateTimeField()
