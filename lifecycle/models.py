"""Our add-on's products and versions with their support lifecycle, the Microsoft Dynamics
lifecycle facts they build on, and the data behind the CfMD pages (policy text, support
channels, roadmap statement, planned releases, evidence records). Every model keeps its
history, so each page can be shown as it stood on a past date."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords
from sla.models import validate_time_zone


class Product(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name


class PolicyKind(models.TextChoices):
    FIXED = "fixed", _("Fixed")
    MODERN = "modern", _("Modern")


class Phase(models.TextChoices):
    """Where a version stands in its lifecycle on a given date (see lifecycle/phases.py)."""

    UPCOMING = "upcoming", _("Not yet released")
    MAINSTREAM = "mainstream", _("Mainstream support")
    EXTENDED = "extended", _("Extended support")
    CURRENT = "current", _("Supported (current version)")
    ENDED = "ended", _("Support ended")


class ProductVersion(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(_("version"), max_length=40)
    build = models.CharField(_("build"), max_length=60, blank=True)
    released_on = models.DateField(_("released on"), null=True, blank=True)
    policy = models.CharField(_("lifecycle policy"), max_length=10, choices=PolicyKind.choices)
    mainstream_end_on = models.DateField(
        _("mainstream support ends"),
        null=True,
        blank=True,
        help_text=_("Fixed policy: the last day of mainstream support. Modern policy: an announced end of servicing."),
    )
    extended_end_on = models.DateField(_("extended support ends"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["product", "-released_on", "-version"]
        constraints = [models.UniqueConstraint(fields=["product", "version"], name="one_row_per_product_version")]
        verbose_name = _("product version")

    def __str__(self) -> str:
        return f"{self.product.name} {self.version}"


class DynamicsProduct(models.Model):
    """One row of Microsoft's lifecycle data for a Dynamics product or version, imported by
    `manage.py import_dynamics_lifecycle`; `source` says where each row's dates come from."""

    key = models.SlugField(_("key"), max_length=80, unique=True, help_text=_("The row's id in the data file."))
    family = models.CharField(_("product"), max_length=120)
    version = models.CharField(_("version"), max_length=120)
    listing_name = models.CharField(_("listing name"), max_length=200)
    deployment = models.CharField(_("deployment"), max_length=40, blank=True)
    policy = models.CharField(_("lifecycle policy"), max_length=10, choices=PolicyKind.choices)
    start_on = models.DateField(_("start date"), null=True, blank=True)
    mainstream_end_on = models.DateField(_("mainstream end date"), null=True, blank=True)
    extended_end_on = models.DateField(_("extended end date"), null=True, blank=True)
    end_of_servicing_on = models.DateField(_("end of servicing"), null=True, blank=True)
    security_updates_end_on = models.DateField(_("security updates end"), null=True, blank=True)
    is_confirmed = models.BooleanField(
        _("confirmed by a Microsoft source"),
        default=True,
        help_text=_("Unchecked: the dates were not found in a Microsoft source; see the notes and estimated end."),
    )
    estimated_end_on = models.DateField(_("estimated end (not a Microsoft date)"), null=True, blank=True)
    source = models.TextField(_("source"))
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["family", "start_on", "key"]
        verbose_name = _("Microsoft Dynamics product version")

    def __str__(self) -> str:
        return self.listing_name


class Compatibility(models.Model):
    """Our version runs on this Dynamics version."""

    product_version = models.ForeignKey(
        ProductVersion, on_delete=models.CASCADE, related_name="compatibilities", verbose_name=_("our version")
    )
    dynamics_product = models.ForeignKey(
        DynamicsProduct,
        on_delete=models.PROTECT,
        related_name="compatibilities",
        verbose_name=_("Dynamics version"),
    )
    notes = models.CharField(_("notes"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["product_version", "dynamics_product__family", "dynamics_product__start_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["product_version", "dynamics_product"], name="one_compatibility_per_version_pair"
            )
        ]
        verbose_name = _("compatibility")
        verbose_name_plural = _("compatibilities")

    def __str__(self) -> str:
        return f"{self.product_version} ↔ {self.dynamics_product}"


class LifecyclePolicy(models.Model):
    """The published lifecycle policy. One row is shown (the first); admins edit it."""

    policy_text = models.TextField(_("policy text (Markdown)"))
    notice_period_months = models.PositiveSmallIntegerField(
        _("notice period (months)"),
        default=12,
        validators=[MinValueValidator(1)],
        help_text=_("How long before the end of support of a version we announce it."),
    )
    dates_time_zone = models.CharField(
        _("time zone of the dates"),
        max_length=64,
        default="America/Los_Angeles",
        validators=[validate_time_zone],
        help_text=_("Microsoft's lifecycle pages use Pacific Time; a date ends at midnight in this zone."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lifecycle policy")
        verbose_name_plural = _("lifecycle policy")

    def __str__(self) -> str:
        return str(_("Lifecycle policy"))


class RoadmapStatement(models.Model):
    """The statement of direction. One row is shown (the first); admins edit it."""

    body = models.TextField(_("statement of direction (Markdown)"))
    reviewed_on = models.DateField(_("reviewed on"))
    reviewed_by = models.CharField(_("reviewed by"), max_length=200, help_text=_("Name and role"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("roadmap statement")

    def __str__(self) -> str:
        return str(_("Statement of direction reviewed on %(date)s") % {"date": self.reviewed_on})


class ReleaseStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_DEVELOPMENT = "in_development", _("In development")
    IN_PREVIEW = "in_preview", _("In preview")
    RELEASED = "released", _("Released")
    CANCELLED = "cancelled", _("Cancelled")


class PlannedRelease(models.Model):
    """A release of ours aligned with a Microsoft Dynamics release wave."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="planned_releases")
    wave = models.CharField(_("Dynamics release wave"), max_length=80, help_text=_("e.g. 2027 release wave 1"))
    wave_starts_on = models.DateField(
        _("wave general availability"), null=True, blank=True, help_text=_("When Microsoft ships the wave.")
    )
    version = models.CharField(_("our version"), max_length=40)
    planned_on = models.DateField(_("planned date"))
    status = models.CharField(_("status"), max_length=20, choices=ReleaseStatus.choices, default=ReleaseStatus.PLANNED)
    highlights = models.TextField(_("highlights"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["planned_on", "version"]
        constraints = [models.UniqueConstraint(fields=["product", "version"], name="one_planned_release_per_version")]
        verbose_name = _("planned release")

    def __str__(self) -> str:
        return f"{self.version} ({self.wave})"
