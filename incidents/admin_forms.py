"""The forms of the queue's actions and of the reply box on the incident page."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident, Visibility
from incidents.selectors import incident_numbered
from sla.models import Severity


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class AssignForm(forms.Form):
    assignee = StaffChoiceField(
        label=_("Assign to"),
        queryset=get_user_model().objects.filter(is_staff=True, is_active=True).order_by("first_name", "last_name"),
    )


class SeverityForm(forms.Form):
    severity = forms.ModelChoiceField(label=_("New severity"), queryset=Severity.objects.all())
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the incident's audit trail; the response deadline is recomputed."),
    )


class NonChargeableForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("e.g. product defect, duplicate or cancelled. The incident goes back to the contract."),
    )


class DuplicateForm(forms.Form):
    original = forms.CharField(label=_("Original incident number"), max_length=20, help_text=_("e.g. INC-2026-000123"))

    def clean_original(self) -> Incident:
        number = self.cleaned_data["original"].strip()
        original = incident_numbered(Incident.objects.all(), number)
        if original is None:
            raise forms.ValidationError(_("There is no incident %(number)s."), params={"number": number})
        return original


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}))
    visibility = forms.ChoiceField(
        label=_("Kind"), choices=Visibility.choices, initial=Visibility.PUBLIC, widget=forms.RadioSelect
    )
    macro = forms.IntegerField(required=False)  # the saved reply picked (counted when sent)


class ReassignForm(forms.Form):
    number = forms.CharField(label=_("Incident number"), max_length=20, help_text=_("e.g. INC-2026-000123"))
    assignee = StaffChoiceField(
        label=_("Assign to"),
        queryset=get_user_model().objects.filter(is_staff=True, is_active=True).order_by("first_name", "last_name"),
    )

    def clean_number(self) -> Incident:
        number = self.cleaned_data["number"].strip()
        incident = incident_numbered(Incident.objects.open(), number)
        if incident is None:
            raise forms.ValidationError(_("There is no open incident %(number)s."), params={"number": number})
        return incident
