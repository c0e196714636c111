"""SLA policy (plans, severities, response targets, regional calendars) and incidents."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import holidays as holidays_lib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incidents.seeded_texts import translated


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not an IANA time zone such as Europe/Berlin."), params={"value": value})


def validate_holiday_country(value: str) -> None:
    if value and value not in holidays_lib.list_supported_countries():
        raise ValidationError(
            _("%(value)s is not a country code known to the holidays package."), params={"value": value}
        )


class SupportPlan(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "code"]
        verbose_name = _("support plan")

    def __str__(self) -> str:
        return self.name

    @property
    def display_description(self) -> str:
        return translated(self.description)


class Severity(models.Model):
    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=100)
    business_impact = models.TextField(_("business impact"))
    customer_obligation = models.TextField(_("customer's obligation"), blank=True)
    requires_around_the_clock_contact = models.BooleanField(
        _("customer must stay reachable around the clock"),
        default=False,
        help_text=_("Submitters must confirm they stay reachable 24/7 and give a phone number."),
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "code"]
        verbose_name = _("severity")
        verbose_name_plural = _("severities")

    def __str__(self) -> str:
        return f"{self.code} – {self.display_name}"

    # The seeded texts in the reader's language (incidents/seeded_texts.py).
    @property
    def display_name(self) -> str:
        return translated(self.name)

    @property
    def display_impact(self) -> str:
        return translated(self.business_impact)

    @property
    def display_obligation(self) -> str:
        return translated(self.customer_obligation)


class Coverage(models.TextChoices):
    ALWAYS = "24x7", _("24/7")
    BUSINESS_HOURS = "business_hours", _("Business hours")


class ResponseTarget(models.Model):
    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="targets", verbose_name=_("plan"))
    severity = models.ForeignKey(Severity, on_delete=models.CASCADE, related_name="targets", verbose_name=_("severity"))
    minutes = models.PositiveIntegerField(_("initial response (minutes)"), validators=[MinValueValidator(1)])
    coverage = models.CharField(_("coverage"), max_length=20, choices=Coverage.choices, default=Coverage.BUSINESS_HOURS)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan__display_order", "severity__display_order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "severity"], name="one_target_per_plan_and_severity"),
            models.CheckConstraint(condition=Q(minutes__gte=1), name="target_minutes_positive"),
        ]
        verbose_name = _("response target")

    def __str__(self) -> str:
        return f"{self.plan.code}/{self.severity.code}: {self.minutes} min {self.get_coverage_display()}"

    @property
    def duration(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.minutes)


class SupportRegion(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    holiday_country = models.CharField(
        _("holiday country"),
        max_length=3,
        blank=True,
        validators=[validate_holiday_country],
        help_text=_("ISO country code whose public holidays close the region, e.g. US, JP, DE."),
    )
    holiday_subdivision = models.CharField(_("holiday subdivision"), max_length=10, blank=True)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "code"]
        verbose_name = _("support region")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return translated(self.name)

    def clean(self) -> None:
        if self.holiday_subdivision:
            if not self.holiday_country:
                raise ValidationError({"holiday_subdivision": _("Choose a holiday country first.")})
            known = holidays_lib.list_supported_countries().get(self.holiday_country, [])
            if self.holiday_subdivision not in known:
                raise ValidationError(
                    {"holiday_subdivision": _("%(sub)s is not a subdivision of %(country)s.")},
                    params={"sub": self.holiday_subdivision, "country": self.holiday_country},
                )


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningInterval(models.Model):
    region = models.ForeignKey(SupportRegion, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"), help_text=_("00:00 means midnight at the end of the day."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["region", "weekday", "opens_at"]
        verbose_name = _("opening interval")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    def clean(self) -> None:
        if self.closes_at != dt.time(0) and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The closing time must be after the opening time.")})


class DateException(models.Model):
    class Kind(models.TextChoices):
        CLOSED = "closed", _("Closed (extra holiday)")
        OPEN = "open", _("Open (overrides a public holiday)")

    region = models.ForeignKey(SupportRegion, on_delete=models.CASCADE, related_name="date_exceptions")
    on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["region", "on"]
        constraints = [models.UniqueConstraint(fields=["region", "on"], name="one_exception_per_region_and_date")]
        verbose_name = _("date exception")

    def __str__(self) -> str:
        return f"{self.on} {self.get_kind_display()}"


class RegionLanguage(models.Model):
    region = models.ForeignKey(SupportRegion, on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(_("language"), max_length=50)
    hours = models.CharField(_("hours"), max_length=200, help_text=_("e.g. Monday–Friday 09:00–17:00 local time"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["region", "language"]
        verbose_name = _("language served")

    def __str__(self) -> str:
        return f"{self.display_language}: {self.display_hours}"

    @property
    def display_language(self) -> str:
        return translated(self.language)

    @property
    def display_hours(self) -> str:
        return translated(self.hours)


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


class IncidentKind(models.TextChoices):
    BREAK_FIX = "break_fix", _("Break-fix: something stopped working")
    ADVISORY = "advisory", _("How-to / advisory")


ms_case_number_validator = RegexValidator(
    r"^\d{15,16}$",
    _("A Microsoft support case number is 15 or 16 digits, e.g. 2611220040001234."),
)


class IncidentQuerySet(models.QuerySet["Incident"]):
    def open(self) -> IncidentQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class Incident(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True, null=True, blank=True)
    organization = models.ForeignKey("portal.Organization", on_delete=models.PROTECT, related_name="incidents")
    contract = models.ForeignKey(
        "portal.Contract", on_delete=models.PROTECT, related_name="incidents", null=True, blank=True
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
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    next_check_at = models.DateTimeField(_("next escalation check at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    is_chargeable = models.BooleanField(_("chargeable"), default=True)
    non_chargeable_reason = models.CharField(_("non-chargeable reason"), max_length=200, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    submission_token = models.UUIDField(_("submission token"), unique=True, null=True, blank=True, editable=False)
    # The new-incident emails' outbox (incidents/notifications.py): pending from the
    # submission until they went out; a worker that sends them holds the lease meanwhile.
    emails_pending = models.BooleanField(_("new-incident emails not sent yet"), default=False, editable=False)
    emails_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["next_check_at", "emails_pending", "emails_lease_until", "updated_at"])

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
            # The admin queue (incidents/selectors_queue.py): WHERE status IN (open statuses)
            # [AND response_due_at < now] — the open incidents are a small part of the table.
            models.Index(fields=["status", "response_due_at"], name="incident_status_due_idx"),
            # The admin queue's open incidents (... AND resolved_at IS NULL AND closed_at IS NULL):
            # a small partial index whose size tells the planner that the open rows are few.
            models.Index(
                fields=["response_due_at"],
                name="incident_open_due_idx",
                condition=Q(resolved_at__isnull=True, closed_at__isnull=True),
            ),
            # The new-incident emails' re-send: the few incidents whose emails are pending.
            models.Index(fields=["submitted_at"], name="incident_emails_pending_idx", condition=Q(emails_pending=True)),
        ]
        verbose_name = _("incident")

    def __str__(self) -> str:
        return f"{self.number or '(unnumbered)'} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def response_met(self) -> bool | None:
        """True when responded in time, False when late or overdue, None while still running."""
        if self.is_preview_feature or self.response_due_at is None:
            return None
        if self.first_response_at is not None:
            return self.first_response_at <= self.response_due_at
        return None


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
    """The audit row of every status move: who, when, from, to."""

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
