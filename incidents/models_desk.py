"""The engineer's desk: saved replies (macros) and the record of merges (so a lead can undo
one). Imported by `incidents.models`, so Django finds them as models of this app."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# --- Saved replies ------------------------------------------------------------------------

# The placeholders a saved reply may hold, as `{name}`; anything else in braces is refused.
MACRO_PLACEHOLDERS = {
    "customer_name": _("the customer's name"),
    "incident_number": _("the incident's number"),
    "incident_title": _("the incident's title"),
    "due_at": _("the response due time in the customer's zone"),
    "engineer_name": _("your name"),
}
PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")


def macro_body_check(body: str) -> None:
    """Refuse a text with a placeholder the renderer does not know."""
    unknown = sorted({name for name in PLACEHOLDER_RE.findall(body) if name not in MACRO_PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            _("Unknown placeholder(s): %(names)s. Use %(known)s."),
            params={
                "names": ", ".join("{%s}" % n for n in unknown),  # noqa: UP031
                "known": ", ".join("{%s}" % n for n in MACRO_PLACEHOLDERS),  # noqa: UP031
            },
            code="unknown_placeholder",
        )


class Macro(models.Model):
    """A saved reply: a team one (no owner, kept by leads) or an engineer's personal one."""

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="macros",
        verbose_name=_("owner"),
        help_text=_("Empty: a team reply, kept by the leads."),
    )
    usage_count = models.PositiveIntegerField(_("times used"), default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("saved reply")
        verbose_name_plural = _("saved replies")
        # The reply box's picker: the team's and the engineer's own.
        indexes = [models.Index(fields=["owner", "name"], name="macro_owner_name_idx")]

    def __str__(self) -> str:
        return self.name


class MacroVariant(models.Model):
    """The text of a saved reply in one language."""

    macro = models.ForeignKey(Macro, on_delete=models.CASCADE, related_name="variants")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    body = models.TextField(_("text"), validators=[macro_body_check])

    class Meta:
        ordering = ["macro", "language"]
        constraints = [models.UniqueConstraint(fields=["macro", "language"], name="macrovariant_one_per_language")]

    def __str__(self) -> str:
        return f"{self.macro} ({self.language})"


# --- Merges -------------------------------------------------------------------------------


class IncidentMerge(models.Model):
    """A duplicate merged into a primary, and what moved (ids), so a lead can move it back."""

    duplicate = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="merges_out")
    primary = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="merges_in")
    comment_ids = models.JSONField(default=list)
    attachment_ids = models.JSONField(default=list)
    watcher_ids = models.JSONField(default=list)  # added to the primary's followers by the merge
    was_chargeable = models.BooleanField(default=True)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField()
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-merged_at", "-pk"]
        constraints = [
            # One live merge per duplicate (an undone one may be followed by another).
            models.UniqueConstraint(
                fields=["duplicate"], condition=models.Q(undone_at__isnull=True), name="merge_one_live_per_duplicate"
            )
        ]

    def __str__(self) -> str:
        return f"{self.duplicate_id} → {self.primary_id}"
