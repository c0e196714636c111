"""`?as_of=YYYY-MM-DD` on a public page: show its data as it stood at the end of that day (UTC)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.history import moment_for


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


@dataclass(frozen=True)
class AsOf:
    form: AsOfForm
    on: dt.date  # the day the page describes (`today`, or the as_of date)
    at: dt.datetime | None  # None: live data
    date: dt.date | None  # the requested as_of date
    error: str


def as_of_from(request: HttpRequest, *, today: dt.date, now: dt.datetime) -> AsOf:
    """The as-of state of a request. `today` is the page's own today (e.g. in the zone of
    the lifecycle dates); a date up to the later of it and today in UTC may be asked for."""
    form = AsOfForm(request.GET or None, today=max(today, now.date()))
    if not request.GET.get("as_of"):
        return AsOf(form=form, on=today, at=None, date=None, error="")
    if not form.is_valid():
        return AsOf(form=form, on=today, at=None, date=None, error=" ".join(form.errors.get("as_of", [])))
    day = form.cleaned_data["as_of"]
    return AsOf(form=form, on=day, at=moment_for(day), date=day, error="")
