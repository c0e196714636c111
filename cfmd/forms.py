from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _


class AsOfForm(forms.Form):
    """`?as_of=YYYY-MM-DD`: show a page as its data stood at the end of that day (UTC)."""

    as_of = forms.DateField(
        label=_("Show as it stood on"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD, for example 2026-01-01.")},
    )

    def __init__(self, *args, today: dt.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_as_of(self) -> dt.date | None:
        value = self.cleaned_data.get("as_of")
        if value is not None and value > self.today:
            raise forms.ValidationError(
                _("%(date)s is in the future: the history only covers dates up to today (%(today)s)."),
                params={"date": value.isoformat(), "today": self.today.isoformat()},
            )
        return value
