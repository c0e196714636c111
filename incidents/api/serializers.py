"""Input and output serializers of the incidents and SLA API, one pair per operation."""

from __future__ import annotations

import re
import zoneinfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import QueryBooleanField, QuerySerializer, StrictSerializer, UtcDateTimeField
from core.text import single_line_validator
from incidents.api import selectors
from incidents.forms import PHONE_RE
from incidents.models import IncidentKind, IncidentStatus, Visibility, ms_case_number_validator
from lifecycle.models import ProductVersion
from sla.clock import SlaState, sla_clock
from sla.models import Coverage, Severity, SupportPlan, SupportRegion

MAX_DESCRIPTION = 50_000
MAX_COMMENT = 50_000


def person_name(user) -> str:
    return user.get_full_name() or user.get_username()


class SeverityField(serializers.CharField):
    """A severity code in, its `Severity` out; an unknown code is the field's error."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 10)
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        code = super().run_validation(data)
        severity = selectors.severity_by_code(code)
        if severity is None:
            raise serializers.ValidationError(
                _("Unknown severity %(code)s; use one of %(codes)s.")
                % {"code": code, "codes": ", ".join(selectors.codes(Severity))}
            )
        return severity


# --- Incidents: list ------------------------------------------------------------------


class IncidentListFilterSerializer(QuerySerializer):
    status = serializers.ChoiceField(choices=IncidentStatus.choices, required=False, help_text=_("One status."))
    severity = SeverityField(required=False, help_text=_("A severity code, e.g. A."))
    open = QueryBooleanField(required=False, help_text=_("true: open incidents only; false: closed only."))
    search = serializers.CharField(
        required=False, max_length=200, allow_blank=True, help_text=_("Words in the number, title or description.")
    )


class IncidentListItemSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=IncidentStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    severity = serializers.CharField(source="severity.code")
    organization = serializers.CharField(source="organization.name")
    submitted_by = serializers.SerializerMethodField()
    submitted_at = UtcDateTimeField()
    response_due_at = UtcDateTimeField(allow_null=True)
    first_response_at = UtcDateTimeField(allow_null=True)
    response_state = serializers.SerializerMethodField(
        help_text=_(
            "The initial-response clock now: running, warning (past the escalation policy's warning step), "
            "breached, met, missed, or none (no commitment)."
        )
    )
    is_open = serializers.BooleanField()

    def get_submitted_by(self, incident) -> str:
        return person_name(incident.submitted_by)

    @extend_schema_field(serializers.ChoiceField(choices=[state.value for state in SlaState]))
    def get_response_state(self, incident) -> str:
        return sla_clock(incident, timezone.now()).state.value


# --- Incidents: detail ----------------------------------------------------------------


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    size = serializers.IntegerField(help_text=_("In bytes."))
    content_type = serializers.CharField()
    uploaded_at = UtcDateTimeField()
    url = serializers.SerializerMethodField(help_text=_("The file's content through the API (with your token)."))
    download_url = serializers.SerializerMethodField(help_text=_("The portal's download link (signed-in browser)."))

    def get_url(self, attachment) -> str:
        return self._absolute(reverse("api:incidents:attachment", args=[attachment.incident.number, attachment.pk]))

    def get_download_url(self, attachment) -> str:
        return self._absolute(reverse("incidents:attachment", args=[attachment.incident.number, attachment.pk]))

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class IncidentDetailSerializer(IncidentListItemSerializer):
    description = serializers.CharField()
    kind = serializers.ChoiceField(choices=IncidentKind.choices)
    plan = serializers.CharField(source="plan.code")
    region = serializers.CharField(source="region.code")
    region_time_zone = serializers.CharField(source="region.time_zone")
    response_due_at_region = serializers.SerializerMethodField(
        help_text=_("The initial-response deadline in the support region's time zone.")
    )
    product_version = serializers.IntegerField(source="product_version_id", allow_null=True)
    product_text = serializers.CharField()
    is_preview_feature = serializers.BooleanField()
    microsoft_case_number = serializers.CharField()
    contact_phone = serializers.CharField()
    assignee = serializers.SerializerMethodField()
    resolved_at = UtcDateTimeField(allow_null=True)
    closed_at = UtcDateTimeField(allow_null=True)
    attachments = serializers.SerializerMethodField()
    portal_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_response_due_at_region(self, incident) -> str | None:
        if incident.response_due_at is None:
            return None
        return incident.response_due_at.astimezone(zoneinfo.ZoneInfo(incident.region.time_zone)).isoformat()

    def get_assignee(self, incident) -> str | None:
        return person_name(incident.assignee) if incident.assignee_id else None

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, incident):
        user = self.context["request"].user
        return AttachmentSerializer(
            selectors.api_attachments(user=user, incident=incident), many=True, context=self.context
        ).data

    def get_portal_url(self, incident) -> str:
        return self.context["request"].build_absolute_uri(reverse("incidents:detail", args=[incident.number]))


# --- Incidents: create ----------------------------------------------------------------


class IncidentCreateSerializer(StrictSerializer):
    title = serializers.CharField(validators=[single_line_validator], max_length=200)
    description = serializers.CharField(max_length=MAX_DESCRIPTION)
    severity = SeverityField(help_text=_("A severity code from /api/v1/sla/targets/, e.g. B."))
    kind = serializers.ChoiceField(choices=IncidentKind.choices, default=IncidentKind.BREAK_FIX)
    product_version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("An id from /api/v1/lifecycle/versions/."),
    )
    product_text = serializers.CharField(
        validators=[single_line_validator], max_length=200, required=False, allow_blank=True, default=""
    )
    is_preview_feature = serializers.BooleanField(default=False)
    microsoft_case_number = serializers.CharField(
        validators=[single_line_validator], max_length=40, required=False, allow_blank=True, default=""
    )
    around_the_clock = serializers.BooleanField(
        default=False,
        help_text=_("Severity A: you confirm that you commit resources and stay reachable by phone around the clock."),
    )
    contact_phone = serializers.CharField(
        validators=[single_line_validator],
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Severity A: where we reach you around the clock."),
    )

    def validate_product_version(self, value: int | None):
        if value is None:
            return None
        if not ProductVersion.objects.filter(pk=value).exists():
            raise serializers.ValidationError(_("There is no product version %(id)s.") % {"id": value})
        return value

    def validate_microsoft_case_number(self, value: str) -> str:
        value = re.sub(r"\s+", "", value)
        if value:
            ms_case_number_validator(value)
        return value

    def validate_contact_phone(self, value: str) -> str:
        value = value.strip()
        if value and (not PHONE_RE.match(value) or sum(c.isdigit() for c in value) < 6):
            raise serializers.ValidationError(_("Enter a phone number with at least 6 digits, e.g. +1 312 555 0100."))
        return value

    def validate(self, attrs: dict) -> dict:
        errors: dict[str, list[str]] = {}
        severity = attrs["severity"]
        if severity.requires_around_the_clock_contact:
            if not attrs.get("around_the_clock"):
                errors["around_the_clock"] = [
                    _("Severity %(code)s needs your confirmation that you stay reachable around the clock.")
                    % {"code": severity.code}
                ]
            if not attrs.get("contact_phone"):
                errors["contact_phone"] = [
                    _("Severity %(code)s needs a phone number where we reach you around the clock.")
                    % {"code": severity.code}
                ]
        if not attrs.get("product_version") and not attrs.get("product_text", "").strip():
            errors["product_text"] = [_("Give the product version id, or name the product and version you use.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


# --- Comments, attachments, confirmation ----------------------------------------------


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.SerializerMethodField()
    is_staff_author = serializers.BooleanField()
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    body = serializers.CharField()
    created_at = UtcDateTimeField()

    def get_author(self, comment) -> str:
        return person_name(comment.author)


class CommentCreateSerializer(StrictSerializer):
    body = serializers.CharField(max_length=MAX_COMMENT)
    visibility = serializers.ChoiceField(
        choices=Visibility.choices, default=Visibility.PUBLIC, help_text=_("Internal notes: support staff only.")
    )


class AttachmentUploadSerializer(StrictSerializer):
    file = serializers.FileField(
        max_length=255,
        allow_empty_file=False,
        help_text=_("At most %(mb)d MB.") % {"mb": settings.ATTACHMENT_MAX_BYTES // 1024 // 1024},
    )
    message = serializers.CharField(
        max_length=MAX_COMMENT,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("A reply to go with the file; without one the reply says which file was attached."),
    )

    def validate_file(self, upload):
        name = upload.name or ""
        if not name.strip() or not name.isprintable():
            raise serializers.ValidationError(_("Give the file a name of printable characters, e.g. event-log.txt."))
        return upload


class ConfirmResolutionSerializer(StrictSerializer):
    """No fields: the call itself says the resolution works."""


# --- SLA ------------------------------------------------------------------------------


class ResponseTargetSerializer(serializers.Serializer):
    plan = serializers.CharField(source="plan.code")
    plan_name = serializers.CharField(source="plan.name")
    severity = serializers.CharField(source="severity.code")
    severity_name = serializers.CharField(source="severity.name")
    minutes = serializers.IntegerField(help_text=_("Initial response target."))
    coverage = serializers.ChoiceField(choices=Coverage.choices)
    coverage_label = serializers.CharField(source="get_coverage_display")


class DeadlineQuerySerializer(StrictSerializer):
    plan = serializers.CharField(max_length=40, help_text=_("A plan code, e.g. professional-direct."))
    severity = SeverityField(help_text=_("A severity code, e.g. A."))
    region = serializers.CharField(max_length=40, help_text=_("A support region code, e.g. germany."))
    at = serializers.CharField(
        required=False,
        max_length=40,
        help_text=_("Submission time with a UTC offset, e.g. 2026-11-23T09:00:00+01:00; default now."),
    )

    def _lookup(self, value: str, finder, model, label: str):
        found = finder(value)
        if found is None:
            raise serializers.ValidationError(
                _("Unknown %(label)s %(code)s; use one of %(codes)s.")
                % {"label": label, "code": value, "codes": ", ".join(selectors.codes(model))}
            )
        return found

    def validate_plan(self, value: str):
        return self._lookup(value, selectors.plan_by_code, SupportPlan, _("plan"))

    def validate_region(self, value: str):
        return self._lookup(value, selectors.region_by_code, SupportRegion, _("region"))

    def validate_at(self, value: str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise serializers.ValidationError(
                _("Give a date and time such as 2026-11-23T09:00:00+01:00 (ISO 8601 with a UTC offset).")
            )
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise serializers.ValidationError(_("Add a UTC offset, e.g. 2026-11-23T09:00:00+01:00 or …Z."))
        if not 2000 <= parsed.year <= 2100:
            raise serializers.ValidationError(_("Give a time between the years 2000 and 2100."))
        return parsed


class DeadlineSerializer(serializers.Serializer):
    plan = serializers.CharField()
    severity = serializers.CharField()
    region = serializers.CharField()
    region_time_zone = serializers.CharField()
    submitted_at = UtcDateTimeField(help_text=_("In UTC."))
    due_at = UtcDateTimeField(help_text=_("The initial-response deadline, in UTC."))
    due_at_region = serializers.CharField(help_text=_("The same deadline in the region's time zone (ISO 8601)."))
    target_minutes = serializers.IntegerField()
    coverage = serializers.ChoiceField(choices=Coverage.choices)
