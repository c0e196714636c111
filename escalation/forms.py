"""Forms of the escalation pages: the customer's request and the Microsoft engineer's form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.text import single_line_validator
from escalation.models import Criterion
from incidents.models import ms_case_number_validator


class CustomerEscalationForm(forms.Form):
    criterion = forms.ChoiceField(
        label=_("Why does this incident need escalating?"), choices=Criterion.choices, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label=_("What has changed, and what do you need from us?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )


class MicrosoftEscalationForm(forms.Form):
    name = forms.CharField(validators=[single_line_validator], label=_("Your name"), max_length=200)
    email = forms.EmailField(
        label=_("Your email address"),
        help_text=_("We send a confirmation link to this address; the contacts are paged when you click it."),
    )
    microsoft_case_number = forms.CharField(
        label=_("Microsoft support case number"),
        max_length=16,
        validators=[single_line_validator, ms_case_number_validator],
        help_text=_("15 or 16 digits, e.g. 2611220040001234."),
    )
    customer = forms.CharField(
        validators=[single_line_validator],
        label=_("Customer"),
        max_length=200,
        help_text=_("The customer's organisation name."),
    )
    criterion = forms.ChoiceField(label=_("Reason"), choices=Criterion.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
    # A field people never see: bots fill it in.
    website = forms.CharField(required=False, widget=forms.HiddenInput)
