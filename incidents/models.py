"""Incidents, their comments, attachments and audit trail (status and severity changes)."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords
from sla.models import Coverage, Severity, SupportPlan, SupportRegion


class IncidentStatus(models.TextChoices):
    NEW = "new", _("New")
    RESPONDED = "responded", _("Responded")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_CUSTOMER = "awaiting_customer", _("Awaiting customer")
    MITIGATED = "mitigated", _("Mitigated")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = [
    IncidentStatus.NEW,
    IncidentStatus.RESPONDED,
    IncidentStatus.IN_PROGRESS,
    IncidentStatus.AWAITING_CUSTOMER,
    IncidentStatus.MITIGATED,
]


class Announcement(models.TextChoices):
    """What is still to be told about a new incident: read by one consumer, the escalation
    sweep's `incidents.notifications.incident_announce`, which writes it to the outbox and
    sets it back to NONE in the same statement that claims the incident."""

    NONE = "", _("Nothing left to announce")
    WEBHOOK = "webhook", _("The created webhook")
    WEBHOOK_AND_EMAILS = "webhook_emails", _("The created webhook and the new-incident e-mails")


class IncidentKind(models.TextChoices):
    BREAK_FIX = "break_fix", _("Break-fix: something stopped working")
    ADVISORY = "advisory", _("How-to / advisory")


ms_case_number_validator = RegexValidator(
    r"^\d{15,16}$",
    _("A Microsoft support case number is 15 or 16 digits, e.g. 2611220040001234."),
)


# An incident's number, as people quote it: INC-<year of submission, UTC>-<id, six digits or
# more; at most 18, which any id the database can hold fits in>.
NUMBER_RE = re.compile(r"INC-(?P<year>\d{4})-(?P<id>\d{6,18})", re.IGNORECASE)
# What a search box may hold to mean one incident: its number, or its id with or without zeros.
REFERENCE_RE = re.compile(r"(?:INC-(?:\d{4}-)?)?0*(?P<id>[1-9]\d{0,17})", re.IGNORECASE)


class IncidentQuerySet(models.QuerySet["Incident"]):
    def open(self) -> IncidentQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class Incident(models.Model):
    organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="incidents")
    contract = models.ForeignKey(
        "accounts.Contract", on_delete=models.PROTECT, related_name="incidents", null=True, blank=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submitted_incidents"
    )
    shared_with = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="shared_incidents", blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    product_version = models.ForeignKey(
        "lifecycle.ProductVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("product version"),
    )
    product_text = models.CharField(_("product and version (free text)"), max_length=200, blank=True)
    plan = models.ForeignKey(SupportPlan, on_delete=models.PROTECT, related_name="incidents")
    severity = models.ForeignKey(Severity, on_delete=models.PROTECT, related_name="incidents")
    region = models.ForeignKey(SupportRegion, on_delete=models.PROTECT, related_name="incidents")
    kind = models.CharField(_("type"), max_length=20, choices=IncidentKind.choices, default=IncidentKind.BREAK_FIX)
    is_preview_feature = models.BooleanField(_("concerns a preview feature"), default=False)
    microsoft_case_number = models.CharField(
        _("Microsoft support case number"), max_length=16, blank=True, validators=[ms_case_number_validator]
    )
    contact_phone = models.CharField(_("phone for around-the-clock contact"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_incidents",
        verbose_name=_("assignee"),
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    response_due_at = models.DateTimeField(_("initial response due at"), null=True, blank=True)
    # The response target that applied at submission (or at the last severity change): a
    # contractual fact, so a later policy edit does not move this incident's steps.
    response_target_minutes = models.PositiveIntegerField(_("response target (minutes)"), null=True, blank=True)
    response_target_coverage = models.CharField(
        _("response target coverage"), max_length=20, choices=Coverage.choices, blank=True
    )
    # The version of the region's calendar the incident was filed under
    # (SupportRegion.version then; sla.models.CalendarSnapshot keeps that calendar): the
    # deadline and every escalation step are placed on it, whatever the region's calendar
    # becomes later. Null: filed before versions were recorded (read as the region's current).
    calendar_version = models.PositiveIntegerField(_("calendar version"), null=True, blank=True, editable=False)
    # The escalation policy's warning step, written by the watcher when it plans the steps
    # (sla.clock reads it: the one meaning of "warning").
    response_warning_at = models.DateTimeField(_("response warning at"), null=True, blank=True, editable=False)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    next_check_at = models.DateTimeField(_("next escalation check at"), null=True, blank=True)
    # Who must still be told about the new incident (it is due at once): the sweep writes it
    # to the outbox and sets it to NONE when it claims the incident. Off the request: the
    # submission writes only the incident's own rows.
    announcement = models.CharField(
        _("announcement"), max_length=16, choices=Announcement.choices, blank=True, default="", editable=False
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    is_chargeable = models.BooleanField(_("chargeable"), default=True)
    non_chargeable_reason = models.CharField(_("non-chargeable reason"), max_length=200, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    submission_token = models.UUIDField(_("submission token"), unique=True, null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["next_check_at", "response_warning_at", "announcement", "updated_at"])

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            # The engineers' queue: unresponded incidents by response_due_at.
            models.Index(fields=["response_due_at"], name="incident_due_idx"),
            # The escalation sweep: open incidents with next_check_at <= now, in order.
            models.Index(
                fields=["next_check_at"], name="incident_next_check_open_idx", condition=Q(next_check_at__isnull=False)
            ),
            # "My incidents": an organisation's incidents, newest first.
            models.Index(fields=["organization", "-submitted_at"], name="incident_org_submitted_idx"),
            # The admin queue (incidents/selectors/queue.py): WHERE status IN (open statuses)
            # [AND response_due_at < now] — the open incidents are a small part of the table.
            models.Index(fields=["status", "response_due_at"], name="incident_status_due_idx"),
            # The admin queue's open incidents (... AND resolved_at IS NULL AND closed_at IS NULL):
            # a small partial index whose size tells the planner that the open rows are few.
            models.Index(
                fields=["response_due_at"],
                name="incident_open_due_idx",
                condition=Q(resolved_at__isnull=True, closed_at__isnull=True),
            ),
        ]
        verbose_name = _("incident")

    def __str__(self) -> str:
        return f"{self.number or '(unnumbered)'} {self.title}"

    @property
    def number(self) -> str:
        """INC-2026-000042: the year of submission (UTC) and the id. Made from the row, never
        stored, so filing is one insert and every copy of the row (its history) has it."""
        if self.pk is None or self.submitted_at is None:
            return ""
        return f"INC-{self.submitted_at.astimezone(dt.UTC).year}-{self.pk:06d}"

    @staticmethod
    def id_for_number(number: str) -> int | None:
        """The id a number names (None if it is not one); whether the year matches is the
        caller's check (`number` of the row found)."""
        found = NUMBER_RE.fullmatch(number.strip())
        return int(found["id"]) if found else None

    @staticmethod
    def id_for_reference(text: str) -> int | None:
        """The id a search meant if it is an incident's number or id ("INC-2026-000042",
        "000042", "42"), else None."""
        found = REFERENCE_RE.fullmatch(text.strip())
        return int(found["id"]) if found else None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public reply")
    INTERNAL = "internal", _("Internal note")


class Comment(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incident_comments")
    body = models.TextField(_("message"))
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    is_staff_author = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("written at"))

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["incident", "created_at"], name="comment_incident_idx")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.get_visibility_display()} by {self.author_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is random; the original name is kept in a column.
    import uuid

    return f"attachments/{instance.incident_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey(Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    is_internal = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class StatusChange(models.Model):
    """The audit row of every status move: who, when, from, to (the submission is none: the
    incident records who filed it and when)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=IncidentStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=IncidentStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    changed_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]
        indexes = [models.Index(fields=["incident", "changed_at"], name="statuschange_incident_idx")]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.from_status or '-'} → {self.to_status}"


class SeverityChange(models.Model):
    """The audit row of a severity change and the deadline it moved."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="severity_changes")
    from_severity = models.ForeignKey(Severity, on_delete=models.PROTECT, related_name="+")
    to_severity = models.ForeignKey(Severity, on_delete=models.PROTECT, related_name="+")
    previous_due_at = models.DateTimeField(null=True, blank=True)
    new_due_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.from_severity_id} → {self.to_severity_id}"


class EscalationKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    BREACH = "breach", _("Breach")
    LEVEL = "level", _("Escalation level")
    REQUESTED = "requested", _("Requested escalation")


class EscalationReason(models.TextChoices):
    NO_RESPONSE = "no_response", _("No response by the due time")
    IMPACT_GREW = "impact_grew", _("The business impact has grown")
    PLAN_NOT_WORKING = "plan_not_working", _("The agreed action plan is not working")


class EscalationEntry(models.Model):
    """An escalation as the incident's timeline shows it.

    The escalation app (a higher layer) writes it through `incidents.services.escalations`
    when a step fires or a person's request is verified, so that the timeline reads only
    incidents' own rows. Customers see the requested ones; support sees all.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="escalation_entries")
    kind = models.CharField(_("kind"), max_length=10, choices=EscalationKind.choices)
    title = models.CharField(_("title"), max_length=200)
    reason = models.CharField(_("reason"), max_length=20, choices=EscalationReason.choices, blank=True)
    requested_by = models.CharField(_("name"), max_length=200, blank=True)
    fired_at = models.DateTimeField(_("fired at"))

    class Meta:
        ordering = ["fired_at", "pk"]
        # The incident's timeline and the admin's SLA panel.
        indexes = [models.Index(fields=["incident", "fired_at"], name="escalationentry_incident_idx")]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.title}"


class InboundOutcome(models.TextChoices):
    COMMENTED = "commented", _("Added as a reply")
    BOUNCED = "bounced", _("Answered with a bounce")
    IGNORED = "ignored", _("Automatic reply, ignored")
    SKIPPED = "skipped", _("Malformed, skipped")


class InboundMessage(models.Model):
    """An e-mail read from the inbound mailbox, once (incidents/inbound.py): its key (its
    Message-ID, or a digest of its bytes when it has none) is unique, so a message read again
    (after a poller died before flagging it, or by two pollers) adds and sends nothing. It is
    written in the transaction of the reply or bounce it caused."""

    message_key = models.CharField(_("Message-ID"), max_length=255, unique=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=InboundOutcome.choices)
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    incident = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("incident")
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("reply")
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("read at"))

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("answer by e-mail")
        verbose_name_plural = _("answers by e-mail")

    def __str__(self) -> str:
        return f"{self.message_key}: {self.outcome}"


# The desk's models (saved replies, merges) live in their own module; imported here so Django finds them.
from incidents.models_desk import IncidentMerge, Macro, MacroVariant  # noqa: E402, F401
