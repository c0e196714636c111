"""Incidents and SLA endpoints: thin views over the services and selectors.

Each HTTP method is one operation with its own input and output serializer. Access to an
incident goes through `incidents.api.selectors`, errors through `portal.api.exceptions`.
"""

from __future__ import annotations

import uuid
import zoneinfo

from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import membership_of
from core.api.errors import ApiError
from core.api.pagination import ApiPagination
from core.api.parsers import LimitedMultiPartParser
from core.api.permissions import IsCustomer
from core.api.serializers import COMMON_ERRORS, PAGE_PARAMETERS, PUBLIC_ERRORS, error, paginated
from incidents.api import selectors
from incidents.api import serializers as s
from incidents.downloads import attachment_response
from incidents.services import NewIncident, comment_add
from incidents.services.customer import incident_confirm_resolution, incident_submit
from sla import deadlines
from sla.models import ResponseTarget

IDEMPOTENCY_NAMESPACE = uuid.UUID("6c1f3a52-7d0e-4f7b-9a43-1d2b5b0f7e11")
NUMBER_PARAMETER = OpenApiParameter(
    "number",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description=_("The incident number, e.g. INC-2026-000042."),
    pattern=r"^[A-Za-z0-9-]{1,20}$",
)
NOT_FOUND = error("No such incident, or not one you can see.")


def _idempotency_token(request: Request) -> uuid.UUID | None:
    """The `Idempotency-Key` header as the submission token, scoped to the caller."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 200 or not key.isascii() or not key.isprintable():
        raise ApiError(
            _("The Idempotency-Key header must be 1 to 200 printable ASCII characters, e.g. a UUID."),
            code="invalid",
            fields={"Idempotency-Key": [_("1 to 200 printable ASCII characters.")]},
        )
    return uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{request.user.pk}:{key}")


def require_write(request: Request, incident) -> None:
    if not selectors.api_can_write(user=request.user, incident=incident):
        raise ApiError(
            _("Your role is read only: you can follow your organisation's incidents but not write on them."),
            code="permission_denied",
            status_code=403,
        )


def _detail(request: Request, incident) -> dict:
    return s.IncidentDetailSerializer(incident, context={"request": request}).data


class IncidentCollectionApi(APIView):
    @extend_schema(
        operation_id="incidents_list",
        summary=_("List incidents"),
        description=_("The incidents you can see in the portal, newest first; support staff see all."),
        parameters=[s.IncidentListFilterSerializer, *PAGE_PARAMETERS],
        responses={
            200: paginated(s.IncidentListItemSerializer),
            400: error("A filter is not valid."),
            **COMMON_ERRORS,
            404: error("No such page."),
        },
    )
    def get(self, request: Request) -> Response:
        filters = s.IncidentListFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        incidents = selectors.api_incidents(user=request.user, filters=filters.validated_data)
        paginator = ApiPagination()
        page = paginator.paginate_queryset(incidents, request, view=self)
        return paginator.get_paginated_response(s.IncidentListItemSerializer(page, many=True).data)

    @extend_schema(
        operation_id="incidents_create",
        summary=_("File an incident"),
        description=_(
            "The same rules as the portal's form: the contract must be active with incidents left, Severity A "
            "needs around_the_clock and contact_phone. Send an Idempotency-Key header to retry safely: the same "
            "key returns the incident it filed first (200 instead of 201)."
        ),
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description=_("Any unique string (e.g. a UUID) per incident you mean to file."),
            )
        ],
        request=s.IncidentCreateSerializer,
        responses={
            201: s.IncidentDetailSerializer,
            200: OpenApiResponse(s.IncidentDetailSerializer, description=_("Already filed with this Idempotency-Key.")),
            400: error("A field is not valid."),
            **COMMON_ERRORS,
            403: error("Not a submitter of a customer organisation, or no contract / incidents left."),
            409: error("The Idempotency-Key was used for a different incident."),
        },
    )
    def post(self, request: Request) -> Response:
        membership = membership_of(request.user)
        if membership is None:
            raise ApiError(
                _("Only contacts of a customer organisation can file incidents."),
                code="permission_denied",
                status_code=403,
            )
        if not membership.can_submit:
            raise ApiError(
                _("Your role is read only: ask your organisation's admin to make you a submitter."),
                code="permission_denied",
                status_code=403,
            )
        token = _idempotency_token(request)
        payload = s.IncidentCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        incident, created = incident_submit(
            organization=membership.organization,
            submitted_by=request.user,
            data=NewIncident(
                title=data["title"].strip(),
                description=data["description"],
                severity=data["severity"],
                kind=data["kind"],
                product_version_id=data["product_version"],
                product_text=data["product_text"].strip(),
                is_preview_feature=data["is_preview_feature"],
                microsoft_case_number=data["microsoft_case_number"],
                contact_phone=data["contact_phone"],
            ),
            submission_token=token or uuid.uuid4(),
            now=timezone.now(),
        )
        if not created and (incident.title, incident.description) != (data["title"].strip(), data["description"]):
            raise ApiError(
                _("This Idempotency-Key was used for another incident (%(number)s); use a new key for a new one.")
                % {"number": incident.number},
                code="idempotency_key_reused",
                status_code=409,
            )
        incident = selectors.api_incident_get(user=request.user, number=incident.number)
        location = reverse("api:incidents:detail", args=[incident.number])
        return Response(
            _detail(request, incident),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"Location": request.build_absolute_uri(location)},
        )


class IncidentDetailApi(APIView):
    @extend_schema(
        operation_id="incidents_retrieve",
        summary=_("Get an incident"),
        parameters=[NUMBER_PARAMETER],
        responses={200: s.IncidentDetailSerializer, **COMMON_ERRORS, 404: NOT_FOUND},
    )
    def get(self, request: Request, number: str) -> Response:
        incident = selectors.api_incident_get(user=request.user, number=number)
        return Response(_detail(request, incident))


class IncidentCommentsApi(APIView):
    @extend_schema(
        operation_id="incidents_comments_list",
        summary=_("List an incident's replies"),
        description=_("Oldest first. Customers see public replies; support staff also internal notes."),
        parameters=[NUMBER_PARAMETER, *PAGE_PARAMETERS],
        responses={200: paginated(s.CommentSerializer), 400: error("Bad page."), **COMMON_ERRORS, 404: NOT_FOUND},
    )
    def get(self, request: Request, number: str) -> Response:
        incident = selectors.api_incident_get(user=request.user, number=number)
        paginator = ApiPagination()
        page = paginator.paginate_queryset(selectors.api_comments(user=request.user, incident=incident), request, self)
        return paginator.get_paginated_response(s.CommentSerializer(page, many=True).data)

    @extend_schema(
        operation_id="incidents_comments_create",
        summary=_("Reply on an incident"),
        description=_("A customer's reply on an incident awaiting the customer moves it back to in progress."),
        parameters=[NUMBER_PARAMETER],
        request=s.CommentCreateSerializer,
        responses={201: s.CommentSerializer, 400: error("A field is not valid."), **COMMON_ERRORS, 404: NOT_FOUND},
    )
    def post(self, request: Request, number: str) -> Response:
        incident = selectors.api_incident_get(user=request.user, number=number)
        require_write(request, incident)
        payload = s.CommentCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        comment = comment_add(
            incident=incident,
            author=request.user,
            body=payload.validated_data["body"],
            visibility=payload.validated_data["visibility"],
            now=timezone.now(),
        )
        return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class IncidentAttachmentsApi(APIView):
    parser_classes = [LimitedMultiPartParser]

    @extend_schema(
        operation_id="incidents_attachments_create",
        summary=_("Attach a file"),
        description=_("Multipart upload with the portal's limits on size and type; the file comes with a reply."),
        parameters=[NUMBER_PARAMETER],
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={
            201: s.AttachmentSerializer,
            400: error("No file, or a file over the limits or of a type not accepted."),
            **COMMON_ERRORS,
            404: NOT_FOUND,
        },
    )
    def post(self, request: Request, number: str) -> Response:
        incident = selectors.api_incident_get(user=request.user, number=number)
        require_write(request, incident)
        payload = s.AttachmentUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        message = payload.validated_data["message"].strip() or _("Attached %(name)s.") % {"name": upload.name}
        comment = comment_add(incident=incident, author=request.user, body=message, files=[upload], now=timezone.now())
        attachment = comment.attachments.select_related("incident").get()
        return Response(
            s.AttachmentSerializer(attachment, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class IncidentAttachmentDownloadApi(APIView):
    @extend_schema(
        operation_id="incidents_attachments_download",
        summary=_("Download a file"),
        description=_(
            "The file's content as it was uploaded, as `application/octet-stream` with its name in "
            "`Content-Disposition`. Files that support keeps internal are not found for customers."
        ),
        parameters=[NUMBER_PARAMETER, OpenApiParameter("id", int, OpenApiParameter.PATH, description=_("File id."))],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description=_("The file.")),
            **COMMON_ERRORS,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, number: str, pk: int) -> FileResponse:
        incident = selectors.api_incident_get(user=request.user, number=number)
        attachment = selectors.api_attachment_get(user=request.user, incident=incident, pk=pk)
        if attachment is None:
            raise ApiError(
                _("Incident %(number)s has no file %(id)s that you can see.") % {"number": number, "id": pk},
                code="not_found",
                status_code=404,
            )
        try:
            return attachment_response(attachment)
        except FileNotFoundError:
            raise ApiError(_("This file is no longer stored."), code="not_found", status_code=404) from None


class IncidentConfirmResolutionApi(APIView):
    permission_classes = [IsCustomer]
    customer_step_message = gettext_lazy(
        "Confirming that a resolution works is the customer's step; staff close incidents in the console."
    )

    @extend_schema(
        operation_id="incidents_confirm_resolution",
        summary=_("Confirm that the resolution works"),
        description=_("A resolved incident becomes closed. 409 when the incident is not resolved."),
        parameters=[NUMBER_PARAMETER],
        request=s.ConfirmResolutionSerializer,
        responses={
            200: s.IncidentDetailSerializer,
            400: error("Unknown fields were sent."),
            **COMMON_ERRORS,
            403: error("Read-only role, or support staff (confirming is the customer's step)."),
            404: NOT_FOUND,
            409: error("The incident is not resolved."),
        },
    )
    def post(self, request: Request, number: str) -> Response:
        incident = selectors.api_incident_get(user=request.user, number=number)
        require_write(request, incident)
        s.ConfirmResolutionSerializer(data=request.data or {}).is_valid(raise_exception=True)
        incident_confirm_resolution(incident=incident, by=request.user, now=timezone.now())
        return Response(_detail(request, selectors.api_incident_get(user=request.user, number=number)))


# --- SLA ------------------------------------------------------------------------------


class SlaTargetsApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="sla_targets_list",
        summary=_("Initial-response targets per plan and severity"),
        parameters=PAGE_PARAMETERS,
        responses={
            200: paginated(s.ResponseTargetSerializer),
            400: error("Bad page."),
            **PUBLIC_ERRORS,
            404: error("No such page."),
        },
    )
    def get(self, request: Request) -> Response:
        targets = ResponseTarget.objects.select_related("plan", "severity").order_by(
            "plan__display_order", "plan__code", "severity__display_order", "severity__code"
        )
        paginator = ApiPagination()
        page = paginator.paginate_queryset(targets, request, self)
        return paginator.get_paginated_response(s.ResponseTargetSerializer(page, many=True).data)


class SlaDeadlineApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="sla_deadline",
        summary=_("Compute an initial-response deadline"),
        description=_("The same engine as the SLA page's calculator and as incident submission."),
        parameters=[s.DeadlineQuerySerializer],
        responses={200: s.DeadlineSerializer, 400: error("A parameter is missing or not valid."), **PUBLIC_ERRORS},
    )
    def get(self, request: Request) -> Response:
        query = s.DeadlineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        plan, severity, region = (query.validated_data[k] for k in ("plan", "severity", "region"))
        at = query.validated_data.get("at") or timezone.now()
        deadline = deadlines.deadline(plan=plan, severity=severity, region=region, submitted_at=at)
        zone = zoneinfo.ZoneInfo(region.time_zone)
        result = {
            "plan": plan.code,
            "severity": severity.code,
            "region": region.code,
            "region_time_zone": region.time_zone,
            "submitted_at": at,
            "due_at": deadline.due_at,
            "due_at_region": deadline.due_at.astimezone(zone).isoformat(),
            "target_minutes": deadline.target.minutes,
            "coverage": deadline.target.coverage,
        }
        return Response(s.DeadlineSerializer(result).data)
