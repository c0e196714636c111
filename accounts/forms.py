"""Forms of the customer account: preferences, members, invitations."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.unsubscribe import CUSTOMER_KINDS
from core.text import single_line_validator


def time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    return [("UTC", "UTC"), *((zone, zone.replace("_", " ")) for zone in zones)]


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=40,
        validators=[single_line_validator],
        help_text=_("Used for Severity A incidents, when we must reach you around the clock."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    notify_on_all_incidents = forms.BooleanField(
        label=_("Email me about every incident of my organisation"),
        required=False,
        help_text=_("For organisation admins: receive the confirmation of incidents filed by colleagues."),
    )
    incident_emails = forms.MultipleChoiceField(
        label=_("Email me about my incidents"),
        required=False,
        choices=[(kind.value, kind.label) for kind in CUSTOMER_KINDS],
        widget=forms.CheckboxSelectMultiple,
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Role.choices,
        initial=Role.SUBMITTER,
        help_text=_("Admins manage people; submitters file and follow their incidents; viewers read only."),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ContactRolesForm(forms.Form):
    is_support_contact = forms.BooleanField(label=_("Support contact"), required=False)
    is_billing_contact = forms.BooleanField(label=_("Billing contact"), required=False)


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, validators=[single_line_validator])
    last_name = forms.CharField(label=_("Last name"), max_length=150, validators=[single_line_validator])
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=40,
        validators=[single_line_validator],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email: str = "", existing_account: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.email = email
        if existing_account:  # the signed-in owner only joins: their names and password stay theirs
            for name in ("first_name", "last_name", "password1", "password2"):
                del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        if "password1" not in self.fields:
            return cleaned
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            probe = get_user_model()(
                username=self.email, email=self.email, first_name=cleaned.get("first_name", ""), last_name=""
            )
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
