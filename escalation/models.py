"""Escalation policy, contacts, the events the watcher fires, and escalation requests.

`EscalationEvent` is the fact that a step fired for an incident (one row per (incident,
step), written in the same transaction that claims the step) or that a verified request
paged the contacts; its emails and webhooks are rows of the outbox (`notify`), written in
that same transaction.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords
from core.seeded_texts import translated
from incidents.models import EscalationKind, EscalationReason

# An event that fired more than this after its due time is shown as late.
LATE_AFTER = dt.timedelta(minutes=1)


class EscalationContact(models.Model):
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=40)
    hours = models.CharField(
        _("hours"), max_length=200, help_text=_("e.g. Monday–Friday 08:00–18:00 CET; 24/7 for Severity A")
    )
    channels = models.CharField(_("channels"), max_length=200, blank=True, help_text=_("e.g. phone, email, Teams"))
    is_public = models.BooleanField(
        _("public"), default=False, help_text=_("Shown on the escalation and contacts pages (CfMD's named contact).")
    )
    verified_on = models.DateField(_("last verified on"), null=True, blank=True)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name = _("escalation contact")

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


class EscalationPolicy(models.Model):
    """The ordered steps for incidents of one severity (and optionally one plan)."""

    name = models.CharField(_("name"), max_length=200)
    severity = models.ForeignKey(
        "sla.Severity", on_delete=models.CASCADE, related_name="escalation_policies", verbose_name=_("severity")
    )
    plan = models.ForeignKey(
        "sla.SupportPlan",
        on_delete=models.CASCADE,
        related_name="escalation_policies",
        null=True,
        blank=True,
        verbose_name=_("plan"),
        help_text=_("Leave empty for the policy of every plan without a policy of its own."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["severity__display_order", "plan__display_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["severity", "plan"], condition=Q(plan__isnull=False), name="one_policy_per_severity_and_plan"
            ),
            models.UniqueConstraint(
                fields=["severity"], condition=Q(plan__isnull=True), name="one_default_policy_per_severity"
            ),
        ]
        verbose_name = _("escalation policy")
        verbose_name_plural = _("escalation policies")

    def __str__(self) -> str:
        return self.name


class StepKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    BREACH = "breach", _("Breach")
    LEVEL = "level", _("Escalation level")


class EscalationStep(models.Model):
    """Fires when `percent_of_target` of the response target plus `extra_minutes` of
    business time have passed since submission without a first response."""

    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("kind"), max_length=10, choices=StepKind.choices)
    name = models.CharField(_("name"), max_length=100, help_text=_("e.g. Warning, Breach, Level 2"))
    percent_of_target = models.PositiveSmallIntegerField(
        _("share of the target (%)"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("75 warns when three quarters of the response time have passed; 100 is the breach."),
    )
    extra_minutes = models.PositiveIntegerField(
        _("then more business minutes"),
        default=0,
        help_text=_("Further business time after that share, e.g. 30 for level 2 half an hour after the breach."),
    )
    notify_assignee = models.BooleanField(_("the assigned engineer"), default=True)
    notify_groups = models.ManyToManyField(
        "auth.Group", blank=True, related_name="+", verbose_name=_("groups"), help_text=_("e.g. Support leads")
    )
    notify_contacts = models.ManyToManyField(
        EscalationContact, blank=True, related_name="steps", verbose_name=_("named escalation contacts")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["policy", "percent_of_target", "extra_minutes", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "percent_of_target", "extra_minutes"], name="one_step_per_policy_and_moment"
            ),
            models.CheckConstraint(condition=Q(percent_of_target__gte=1), name="step_percent_positive"),
        ]
        verbose_name = _("escalation step")

    def __str__(self) -> str:
        return f"{self.policy}: {self.name}"

    @property
    def display_name(self) -> str:
        """The seeded names in the reader's language (incidents/seeded_texts.py)."""
        return translated(self.name)

    def clean(self) -> None:
        if self.kind == StepKind.BREACH and (self.percent_of_target != 100 or self.extra_minutes):
            raise ValidationError(
                _("The breach step is at %(percent)s %% of the target with no extra minutes."), params={"percent": 100}
            )
        if self.kind == StepKind.WARNING and self.percent_of_target >= 100:
            raise ValidationError({"percent_of_target": _("A warning comes before the breach: use less than 100 %.")})

    def offset(self, target: dt.timedelta) -> dt.timedelta:
        """Business time from submission until this step, for a response target."""
        return target * self.percent_of_target / 100 + dt.timedelta(minutes=self.extra_minutes)


# The kinds of event and the reasons for a request are the incident timeline's own
# (incidents.models), which shows every escalation without reading this app.
EventKind = EscalationKind


class EscalationEvent(models.Model):
    """One fired step (or one verified escalation request): the watcher's outbox row."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="escalation_events", null=True, blank=True
    )
    step = models.ForeignKey(EscalationStep, on_delete=models.PROTECT, related_name="events", null=True, blank=True)
    request = models.OneToOneField(
        "EscalationRequest", on_delete=models.CASCADE, related_name="event", null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=10, choices=EventKind.choices)
    title = models.CharField(_("title"), max_length=200)
    due_at = models.DateTimeField(_("due at"))
    fired_at = models.DateTimeField(_("fired at"))
    late_by = models.DurationField(_("late by"), default=dt.timedelta)

    class Meta:
        ordering = ["fired_at", "due_at", "pk"]
        constraints = [
            # A step fires at most once per incident, whatever the number of workers.
            models.UniqueConstraint(
                fields=["incident", "step"], condition=Q(step__isnull=False), name="one_event_per_incident_and_step"
            ),
        ]
        indexes = [
            # The incident timeline.
            models.Index(fields=["incident", "fired_at"], name="event_incident_idx"),
        ]
        verbose_name = _("escalation event")

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.title}"

    @property
    def is_late(self) -> bool:
        return self.late_by > LATE_AFTER


class RequestSource(models.TextChoices):
    CUSTOMER = "customer", _("Customer, from the incident page")
    MICROSOFT = "microsoft", _("Microsoft engineer, from the escalation page")


Criterion = EscalationReason


class EscalationRequest(models.Model):
    """An escalation asked for by a person; it pages the contacts once verified."""

    source = models.CharField(_("source"), max_length=10, choices=RequestSource.choices)
    criterion = models.CharField(_("reason"), max_length=20, choices=Criterion.choices)
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.SET_NULL, related_name="escalation_requests", null=True, blank=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))
    microsoft_case_number = models.CharField(_("Microsoft case number"), max_length=16, blank=True)
    customer = models.CharField(_("customer"), max_length=200, blank=True)
    description = models.TextField(_("description"))
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"))
    verified_at = models.DateTimeField(_("sender verified at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["incident", "created_at"], name="request_incident_idx")]
        verbose_name = _("escalation request")

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.name} ({self.created_at:%Y-%m-%d %H:%M})"
