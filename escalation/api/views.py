"""The escalation endpoint: a customer asks for an escalation of their incident."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import IsCustomer
from core.api.serializers import COMMON_ERRORS, error
from escalation.api import serializers as s
from escalation.services.requests import escalation_request_by_customer
from incidents.api import selectors
from incidents.api.views import NOT_FOUND, NUMBER_PARAMETER, require_write


class IncidentEscalationApi(APIView):
    permission_classes = [IsCustomer]
    customer_step_message = gettext_lazy(
        "Asking for an escalation is the customer's step; staff escalate in the console."
    )

    @extend_schema(
        operation_id="incidents_escalate",
        summary=_("Request an escalation"),
        description=_(
            "Pages the escalation contacts at once, as the portal's escalation form does. 409 when the incident "
            "is closed or was escalated less than an hour ago."
        ),
        parameters=[NUMBER_PARAMETER],
        request=s.EscalationCreateSerializer,
        responses={
            201: s.EscalationSerializer,
            400: error("A field is not valid."),
            **COMMON_ERRORS,
            403: error("Read-only role, or support staff (escalating is the customer's step)."),
            404: NOT_FOUND,
            409: error("Closed, or escalated less than an hour ago."),
        },
    )
    def post(self, request: Request, number: str) -> Response:
        incident = selectors.api_incident_get(user=request.user, number=number)
        require_write(request, incident)
        payload = s.EscalationCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        escalation = escalation_request_by_customer(
            incident=incident,
            user=request.user,
            criterion=payload.validated_data["criterion"],
            description=payload.validated_data["description"],
            now=timezone.now(),
        )
        return Response(s.EscalationSerializer(escalation).data, status=status.HTTP_201_CREATED)
