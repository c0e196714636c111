"""The one outbox: a `Delivery` row per (recipient or endpoint, event), and the webhook endpoints.

A producer (incidents, escalation) writes the deliveries inside its own transaction
(`notify.services`): for an email, a template name and a plain context, rendered when it is
sent (`notify.rendering`); `notify.sending` claims, renders, sends, retries and records them. A delivery carries everything needed to send it, so this app knows nothing of
incidents or escalations (it sits below them in the layers).
"""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords


class WebhookEvent(models.TextChoices):
    CREATED = "incident.created", _("Incident created")
    RESPONDED = "incident.responded", _("Initial response recorded")
    STATUS_CHANGED = "incident.status_changed", _("Status changed")
    ESCALATED = "incident.escalated", _("Escalated")


class WebhookFormat(models.TextChoices):
    GENERIC = "generic", _("Signed JSON (HMAC-SHA256)")
    TEAMS = "teams", _("Microsoft Teams incoming webhook")
    SLACK = "slack", _("Slack incoming webhook")


def webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        default=webhook_secret,
        help_text=_("Signed JSON only: the receiver checks X-Portal-Signature with this secret."),
    )
    format = models.CharField(_("format"), max_length=10, choices=WebhookFormat.choices, default=WebhookFormat.GENERIC)
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
        verbose_name=_("customer organisation"),
        help_text=_("Empty: the support team's endpoint, for every incident. Else only this organisation's."),
    )
    on_created = models.BooleanField(_("incident.created"), default=False)
    on_responded = models.BooleanField(_("incident.responded"), default=False)
    on_status_changed = models.BooleanField(_("incident.status_changed"), default=False)
    on_escalated = models.BooleanField(_("incident.escalated"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook endpoint")

    def __str__(self) -> str:
        return self.name

    EVENT_FIELDS = {
        WebhookEvent.CREATED: "on_created",
        WebhookEvent.RESPONDED: "on_responded",
        WebhookEvent.STATUS_CHANGED: "on_status_changed",
        WebhookEvent.ESCALATED: "on_escalated",
    }


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One message to one recipient (an email address or a webhook endpoint) about one event.

    `key` names the event (e.g. "escalation-event:123", "incident-submitted:45"): with the
    recipient it is unique, so the same event cannot be queued twice for anyone. `uuid` is
    the message's identity for receivers: the email's Message-ID and the webhook's
    X-Portal-Delivery, the same on every attempt.

    A pending row may be claimed when its lease is free (`lease_until` empty or past);
    the re-send looks at it again from `next_attempt_at` (a retry's backoff, or a claim's
    lease expiry when its worker died)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = models.CharField(_("event"), max_length=100)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    reference = models.CharField(_("reference"), max_length=50, blank=True, help_text=_("e.g. the incident number"))
    # Email: the address, and what to render at send time (`notify.rendering`): a template
    # name, its plain JSON context, the recipient's language and time zone.
    to = models.EmailField(_("to"), blank=True)
    template = models.CharField(_("template"), max_length=100, blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    headers = models.JSONField(_("extra headers"), default=dict, blank=True)
    # What was sent (rendered by the worker that sent it; empty until then).
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    text = models.TextField(_("text"), blank=True)
    html = models.TextField(_("HTML"), blank=True)
    # Webhook: the endpoint, the event name and the generic payload (the formats render from it).
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    event = models.CharField(_("webhook event"), max_length=30, choices=WebhookEvent.choices, blank=True)
    payload = models.JSONField(_("payload"), null=True, blank=True)

    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    created_at = models.DateTimeField(_("created at"))
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # An event reaches each address once and each endpoint once.
            models.UniqueConstraint(
                fields=["key", "to"], condition=Q(channel="email"), name="one_email_per_event_and_address"
            ),
            models.UniqueConstraint(
                fields=["key", "endpoint"], condition=Q(channel="webhook"), name="one_post_per_event_and_endpoint"
            ),
            models.CheckConstraint(
                condition=(Q(channel="email") & Q(endpoint__isnull=True))
                | (Q(channel="webhook") & Q(endpoint__isnull=False)),
                name="delivery_has_its_channels_recipient",
            ),
        ]
        indexes = [
            # The re-send: WHERE status = 'pending' AND next_attempt_at <= now ORDER BY next_attempt_at.
            models.Index(
                fields=["next_attempt_at"], name="delivery_due_idx", condition=Q(status=DeliveryStatus.PENDING)
            ),
            # The admin and the tests: an event's deliveries (WHERE key = ...).
            models.Index(fields=["key"], name="delivery_key_idx"),
        ]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.key} → {self.to or self.endpoint_id} ({self.get_status_display()})"
