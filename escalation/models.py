"""Escalation contacts (public ones are CfMD's named escalation contact for Microsoft)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


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
