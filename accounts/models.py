"""Customer organisations, their people and roles, and their support contracts."""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords
from sla.models import validate_time_zone

DAYS_PER_INCIDENT = 60


def prorated_allotment(days: int) -> int:
    """About one incident per 60 days of term: a 365-day term gives 6, never fewer than 1."""
    return max(1, math.floor(days / DAYS_PER_INCIDENT))


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    region = models.ForeignKey("sla.SupportRegion", on_delete=models.PROTECT, related_name="organizations")
    time_zone = models.CharField(_("default time zone"), max_length=64, validators=[validate_time_zone])
    language = models.CharField(_("default language"), max_length=10, choices=settings.LANGUAGES, default="en")
    requires_two_factor = models.BooleanField(
        _("require two-step verification"),
        default=False,
        help_text=_("Every member signs in with a code from an authenticator app after the password."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer organisation")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Organisation admin")
    SUBMITTER = "submitter", _("Submitter")
    VIEWER = "viewer", _("Viewer (read only)")


class Membership(models.Model):
    """A customer contact: a Django user in one organisation with a role."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SUBMITTER)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="en")
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    notify_on_all_incidents = models.BooleanField(
        _("email me about every incident of my organisation"),
        default=True,
        help_text=_("For organisation admins: receive the confirmation of incidents filed by colleagues."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Contact roles, beside the access role (accounts/contacts.py keeps at least one support contact).
    is_support_contact = models.BooleanField(_("support contact"), default=False)
    is_billing_contact = models.BooleanField(_("billing contact"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization", "user__email"]
        indexes = [models.Index(fields=["organization", "role"], name="membership_org_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} ({self.organization}, {self.get_role_display()})"

    @property
    def can_submit(self) -> bool:
        return self.is_active and self.role in (Role.ADMIN, Role.SUBMITTER)

    @property
    def is_admin(self) -> bool:
        return self.is_active and self.role == Role.ADMIN


class StaffProfile(models.Model):
    """A support engineer's preferences (the admin shows times in their zone)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone], default="UTC")
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.time_zone})"


class EmailKind(models.TextChoices):
    """The optional incident e-mails; each person may turn each off (`EmailOptOut`)."""

    REPLY = "reply", _("Replies from support")
    STATUS = "status", _("Status changes that need you or end an incident")
    ESCALATION = "escalation", _("Your escalation requests")
    ASSIGNMENT = "assignment", _("Incidents assigned to you")
    CUSTOMER_REPLY = "customer_reply", _("Customer replies on your incidents")


class EmailOptOut(models.Model):
    """A person turned this kind of e-mail off (no row: on). From the account page or the
    one-click unsubscribe link (`accounts/unsubscribe.py`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_opt_outs")
    kind = models.CharField(_("kind"), max_length=20, choices=EmailKind.choices)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_opt_out_per_user_and_kind")]
        verbose_name = _("e-mail opt-out")
        verbose_name_plural = _("e-mail opt-outs")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind} off"


class Invitation(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SUBMITTER)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"


class ContractStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting to start")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")


class ContractQuerySet(models.QuerySet["Contract"]):
    def active_on(self, day: dt.date) -> ContractQuerySet:
        return self.filter(starts_on__lte=day, ends_on__gte=day, superseded_by__isnull=True)


class Contract(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="contracts")
    plan = models.ForeignKey("sla.SupportPlan", on_delete=models.PROTECT, related_name="contracts")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    incidents_allotted = models.PositiveIntegerField(_("incidents allotted"))
    upgraded_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        help_text=_("The contract this one replaced by a mid-term upgrade."),
    )
    reference = models.CharField(_("contract reference"), max_length=60, blank=True)
    history = HistoricalRecords()

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="contract_ends_after_start"),
        ]
        indexes = [models.Index(fields=["organization", "starts_on", "ends_on"], name="contract_org_term_idx")]

    def __str__(self) -> str:
        return f"{self.organization} – {self.plan} ({self.starts_on} to {self.ends_on})"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The term must end on or after its start.")})

    @property
    def term_days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def status_on(self, day: dt.date) -> ContractStatus:
        if day < self.starts_on:
            return ContractStatus.WAITING
        if day > self.ends_on:
            return ContractStatus.EXPIRED
        return ContractStatus.ACTIVE


class ApiToken(models.Model):
    """A personal API token: shown once at creation, stored as a SHA-256 hash."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, help_text=_("The first characters, to recognise the token."))
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True, help_text=_("Empty: never."))
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class TwoFactorReenrolment(models.Model):
    """After `manage.py otp_reset`: the person may set up a new authenticator app only with a
    fresh proof, never with the password alone (accounts/two_factor_proof.py): a one-time
    link e-mailed to their address and opened in the session that enrols (`link_nonce` is
    the link's, `session_nonce` the session's that opened it), or a staff member's approval.
    The row goes when the new app is confirmed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="two_factor_reenrolment"
    )
    created_at = models.DateTimeField()
    link_nonce = models.CharField(max_length=64, blank=True)
    session_nonce = models.CharField(max_length=64, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} (reset {self.created_at:%Y-%m-%d %H:%M})"
