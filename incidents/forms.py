"""Forms of the customer's incident pages: submission, comments, list filters."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.text import single_line_validator
from incidents.models import IncidentKind, IncidentStatus, ms_case_number_validator
from sla.models import Severity

MAX_FILES_PER_UPLOAD = 10
PHONE_RE = re.compile(r"^\+?[0-9 ()./-]{6,40}$")


def attachment_errors(upload: UploadedFile) -> list[str]:
    """What is wrong with an uploaded file under the configured limits, in the user's terms."""
    errors: list[str] = []
    name = upload.name or "file"
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        errors.append(
            _("%(name)s is %(size).1f MB; files may be at most %(limit)d MB.")
            % {"name": name, "size": upload.size / 1024 / 1024, "limit": limit // 1024 // 1024}
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in settings.ATTACHMENT_ALLOWED_EXTENSIONS:
        errors.append(
            _("%(name)s: files of this type are not accepted. Allowed types: %(allowed)s.")
            % {"name": name, "allowed": ", ".join(settings.ATTACHMENT_ALLOWED_EXTENSIONS)}
        )
    return errors


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input, each checked against the size and type limits."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(item, initial) for item in data if item]
        else:
            files = [single(data, initial)] if data else []
        files = [f for f in files if f]
        if len(files) > MAX_FILES_PER_UPLOAD:
            raise forms.ValidationError(
                _("Attach at most %(n)d files at a time."), params={"n": MAX_FILES_PER_UPLOAD}, code="too_many"
            )
        errors = [error for upload in files for error in attachment_errors(upload)]
        if errors:
            raise forms.ValidationError(errors)
        return files


def attachments_help() -> str:
    return _("Several files allowed, each at most %(mb)d MB. Types: %(types)s.") % {
        "mb": settings.ATTACHMENT_MAX_BYTES // 1024 // 1024,
        "types": ", ".join(settings.ATTACHMENT_ALLOWED_EXTENSIONS),
    }


class IncidentForm(forms.Form):
    # Hidden: one token per opened form, so that posting the same form twice files one incident.
    submission_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    title = forms.CharField(
        validators=[single_line_validator],
        label=_("Title"),
        max_length=200,
        help_text=_("One line that says what is wrong, e.g. “Warehouse shipment posting fails with error X”."),
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=50_000,
        help_text=_(
            "What happened, what you expected, the steps to reproduce, error messages. "
            "Markdown is supported (lists, **bold**, `code`, tables)."
        ),
    )
    product_version = forms.ModelChoiceField(
        label=_("Product and version"), queryset=None, required=False, empty_label=_("Choose a version…")
    )
    product_text = forms.CharField(
        validators=[single_line_validator],
        label=_("Product and version"),
        max_length=200,
        required=False,
        help_text=_("e.g. Contoso Advanced Warehousing 24.3 on Business Central 2024 release wave 2"),
    )
    # The choices are the severities given to the form (`__init__`); cleaned, the Severity.
    severity = forms.TypedChoiceField(label=_("Severity"), widget=forms.RadioSelect, empty_value=None)
    around_the_clock = forms.BooleanField(
        label=_(
            "I confirm that we commit resources around the clock and that I stay reachable by phone "
            "at all times while this incident is Severity A."
        ),
        required=False,
    )
    contact_phone = forms.CharField(
        validators=[single_line_validator],
        label=_("Phone number where we reach you around the clock"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    kind = forms.ChoiceField(
        label=_("Type"), choices=IncidentKind.choices, widget=forms.RadioSelect, initial=IncidentKind.BREAK_FIX
    )
    is_preview_feature = forms.BooleanField(
        label=_("This concerns a preview feature"),
        required=False,
        help_text=_("Preview features are supported without a response time commitment."),
    )
    microsoft_case_number = forms.CharField(
        validators=[single_line_validator],
        label=_("Microsoft support case number"),
        max_length=40,
        required=False,
        help_text=_("Only if you also opened a case with Microsoft: 15 or 16 digits."),
    )
    attachments = MultipleFileField(label=_("Attachments"))

    # Fields kept in the session when the organisation cannot submit (files cannot be kept).
    DRAFT_FIELDS = (
        "title",
        "description",
        "product_version",
        "product_text",
        "severity",
        "around_the_clock",
        "contact_phone",
        "kind",
        "is_preview_feature",
        "microsoft_case_number",
    )

    def __init__(self, *args, severities: Iterable[Severity], product_versions=None, **kwargs) -> None:
        """`severities`: those a submission in the organisation's region offers, kept with
        its calendar (`sla.selectors.severities`), so that neither the page nor the post
        reads them from the database."""
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachments_help()
        self._severities = {str(severity.pk): severity for severity in severities}
        self.fields["severity"].choices = [(pk, severity.display_name) for pk, severity in self._severities.items()]
        self.fields["severity"].coerce = self._severities.__getitem__
        self._product_versions = product_versions
        # A posted form that names a version or a product needs no query to know whether the
        # registry has versions: a chosen version is checked against the list when cleaned.
        # Should the form come back with errors, `full_clean` looks (the page shows the list).
        self._versions_unchecked = (
            product_versions is not None
            and self.is_bound
            and bool(self.data.get("product_version") or self.data.get("product_text"))
        )
        self._offer_versions(product_versions is not None and (self._versions_unchecked or product_versions.exists()))

    def _offer_versions(self, offer: bool) -> None:
        """The registry's list with "other" as free text, or free text alone."""
        self.has_versions = offer
        if offer:
            self.fields["product_version"].queryset = self._product_versions
            # Flag a version out of support as soon as it is picked (the page re-renders the
            # same notice without JavaScript).
            self.fields["product_version"].widget.attrs.update(
                {
                    "hx-get": reverse("cfmd:version_status"),
                    "hx-trigger": "change",
                    "hx-target": "#version-support-status",
                    "hx-swap": "outerHTML",
                }
            )
            self.fields["product_text"].label = _("Other product or version")
            self.fields["product_text"].help_text = _("Only if your version is not in the list.")
        else:
            self.fields.pop("product_version", None)
            self.fields["product_text"].required = True
            self.fields["product_text"].error_messages["required"] = _("Name the product and version you use.")

    def full_clean(self) -> None:
        super().full_clean()
        if self._errors and self._versions_unchecked:
            # Shown again: offer the list only if the registry has versions.
            self._versions_unchecked = False
            if not self._product_versions.exists():
                self.fields["product_text"].label = self.base_fields["product_text"].label
                self.fields["product_text"].help_text = self.base_fields["product_text"].help_text
                self._offer_versions(False)
                # Cleaning made bound fields, which copied the label: render from the field again.
                self._bound_fields_cache.pop("product_text", None)

    def severity_options(self) -> list[tuple[Severity, bool]]:
        """Each severity with whether it is the chosen one, for the radio cards."""
        chosen = str(self["severity"].value() or "")
        return [(severity, pk == chosen) for pk, severity in self._severities.items()]

    def clean_microsoft_case_number(self) -> str:
        value = re.sub(r"\s+", "", self.cleaned_data.get("microsoft_case_number", ""))
        if value:
            ms_case_number_validator(value)
        return value

    def clean_contact_phone(self) -> str:
        value = self.cleaned_data.get("contact_phone", "").strip()
        if value and (not PHONE_RE.match(value) or sum(c.isdigit() for c in value) < 6):
            raise forms.ValidationError(
                _("Enter a phone number with at least 6 digits, e.g. +1 312 555 0100."), code="phone"
            )
        return value

    def clean(self):
        cleaned = super().clean()
        severity = cleaned.get("severity")
        if severity is not None and severity.requires_around_the_clock_contact:
            if not cleaned.get("around_the_clock"):
                self.add_error(
                    "around_the_clock",
                    _("Severity %(code)s needs your confirmation that you stay reachable around the clock.")
                    % {"code": severity.code},
                )
            if not cleaned.get("contact_phone") and "contact_phone" not in self.errors:
                self.add_error(
                    "contact_phone",
                    _("Severity %(code)s needs a phone number where we reach you around the clock.")
                    % {"code": severity.code},
                )
        if self.has_versions and not cleaned.get("product_version") and not cleaned.get("product_text"):
            self.add_error("product_version", _("Choose the version you use, or name it below."))
        return cleaned

    def draft(self) -> dict[str, object]:
        """What the customer typed, for the session (JSON-serialisable, no files)."""
        return {name: self.data.get(name, "") for name in self.DRAFT_FIELDS if self.data.get(name, "") != ""}


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=50_000,
        help_text=_("Markdown is supported."),
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachments_help()


class ShareForm(forms.Form):
    user = forms.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        error_messages={"invalid": _("Choose a colleague to share the incident with.")},
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it not solved?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


STATE_CHOICES = [("", _("Open and closed")), ("open", _("Open")), ("closed", _("Resolved or closed"))]


class IncidentFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    state = forms.ChoiceField(label=_("Open or closed"), choices=STATE_CHOICES, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *IncidentStatus.choices], required=False
    )
    severity = forms.ModelChoiceField(
        label=_("Severity"), queryset=Severity.objects.all(), required=False, empty_label=_("Any severity")
    )
