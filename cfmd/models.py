"""The CfMD evidence that staff keep up to date in the admin (escrow, references, test reports)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords


class EvidenceKind(models.TextChoices):
    ESCROW = "escrow", _("Source code escrow")
    CUSTOMER_REFERENCE = "customer_reference", _("Customer reference")
    TEST_REPORT = "test_report", _("Solution test report")
    COMPETENCY = "competency", _("Competency / partner designation")
    PARTNER_PROFILE = "partner_profile", _("Partner profile")


class EvidenceRecord(models.Model):
    """A piece of CfMD evidence that staff keep up to date in the admin."""

    kind = models.CharField(_("kind"), max_length=20, choices=EvidenceKind.choices)
    title = models.CharField(_("title"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    agent = models.CharField(
        _("agent or party"),
        max_length=200,
        blank=True,
        help_text=_("The escrow agent, the test lab, the referencing customer or the issuing body."),
    )
    dated_on = models.DateField(_("dated on / last deposit"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    url = models.URLField(_("evidence link"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "-dated_on", "title"]
        verbose_name = _("evidence record")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"
