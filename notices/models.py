"""Customer notices: what was sent (once per organisation or contract, kind and anchor date),
the switch per kind, and the product versions an organisation runs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization


class NoticeKind(models.TextChoices):
    WELCOME = "welcome", _("Welcome")
    UPGRADE = "upgrade", _("Upgrade confirmation")
    RENEWAL = "renewal", _("Renewal reminder (60 days)")
    LAPSED_35 = "lapsed_35", _("Lapse notice (35 days)")
    LAPSED_180 = "lapsed_180", _("Lapse notice (180 days)")
    EOS_12M = "eos_12m", _("End of support in 12 months")
    EOS_6M = "eos_6m", _("End of support in 6 months")
    EOS_30D = "eos_30d", _("End of support in 30 days")


class SentNotice(models.Model):
    """One notice sent: its outbox deliveries are written in the same transaction. The unique
    constraint is the guarantee that a notice goes out once, however many jobs run."""

    kind = models.CharField(_("kind"), max_length=20, choices=NoticeKind.choices)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    # What the notice is about: "contract:<id>" or "version:<id>:<milestone>".
    subject = models.CharField(_("about"), max_length=60)
    contract = models.ForeignKey(
        "accounts.Contract", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    product_version = models.ForeignKey(
        "lifecycle.ProductVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    anchor_on = models.DateField(_("anchor date"), help_text=_("The start, end or end-of-support date it is about."))
    due_on = models.DateField(_("due on"))
    sent_on = models.DateField(_("sent on"))
    is_late = models.BooleanField(_("late"), default=False)
    recipients = models.JSONField(_("sent to"), default=list)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-sent_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "subject", "anchor_on"], name="one_notice_per_subject_kind_and_date"
            )
        ]
        indexes = [
            # The admin's sent log: ORDER BY sent_on DESC, filtered by kind.
            models.Index(fields=["kind", "-sent_on"], name="sentnotice_kind_sent_idx"),
        ]
        verbose_name = _("sent notice")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.organization_id} ({self.anchor_on})"


class NoticeSwitch(models.Model):
    """Managers turn a kind off here; a kind without a row is on."""

    kind = models.CharField(_("kind"), max_length=20, choices=NoticeKind.choices, unique=True)
    is_enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("notice switch")
        verbose_name_plural = _("notice switches")

    def __str__(self) -> str:
        return str(self.get_kind_display())


class OrganizationVersion(models.Model):
    """A product version an organisation runs, recorded by the support team (the versions named
    on its recent incidents count too, see `notices.due`)."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    product_version = models.ForeignKey(
        "lifecycle.ProductVersion", on_delete=models.CASCADE, related_name="+", verbose_name=_("product version")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "product_version"], name="one_row_per_org_and_version")
        ]
        verbose_name = _("version run by an organisation")

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.product_version_id}"


class OrganizationWithoutSupportContact(Organization):
    """The admin's list of organisations that name no reachable support contact (notices/admin.py)."""

    class Meta:
        proxy = True
        verbose_name = _("organisation without a support contact")
        verbose_name_plural = _("organisations without a support contact")
