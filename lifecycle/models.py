"""Our add-on's products and versions with their support lifecycle."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


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


class LifecyclePolicy(models.TextChoices):
    FIXED = "fixed", _("Fixed")
    MODERN = "modern", _("Modern")


class ProductVersion(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(_("version"), max_length=40)
    build = models.CharField(_("build"), max_length=60, blank=True)
    released_on = models.DateField(_("released on"), null=True, blank=True)
    policy = models.CharField(_("lifecycle policy"), max_length=10, choices=LifecyclePolicy.choices)
    mainstream_end_on = models.DateField(_("mainstream support ends"), null=True, blank=True)
    extended_end_on = models.DateField(_("extended support ends"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["product", "-released_on", "-version"]
        constraints = [models.UniqueConstraint(fields=["product", "version"], name="one_row_per_product_version")]

    def __str__(self) -> str:
        return f"{self.product.name} {self.version}"
