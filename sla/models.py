"""The SLA policy: plans, severities, response targets, regions with their business-hours calendars,
and the channels customers reach support by."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import holidays as holidays_lib
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords
from core.seeded_texts import translated


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not an IANA time zone such as Europe/Berlin."), params={"value": value})


def validate_holiday_country(value: str) -> None:
    if value and value not in holidays_lib.list_supported_countries():
        raise ValidationError(
            _("%(value)s is not a country code known to the holidays package."), params={"value": value}
        )


class SupportPlan(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "code"]
        verbose_name = _("support plan")

    def __str__(self) -> str:
        return self.name

    @property
    def display_description(self) -> str:
        return translated(self.description)


class Severity(models.Model):
    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=100)
    business_impact = models.TextField(_("business impact"))
    customer_obligation = models.TextField(_("customer's obligation"), blank=True)
    requires_around_the_clock_contact = models.BooleanField(
        _("customer must stay reachable around the clock"),
        default=False,
        help_text=_("Submitters must confirm they stay reachable 24/7 and give a phone number."),
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "code"]
        verbose_name = _("severity")
        verbose_name_plural = _("severities")

    def __str__(self) -> str:
        return f"{self.code} – {self.display_name}"

    # The seeded texts in the reader's language (incidents/seeded_texts.py).
    @property
    def display_name(self) -> str:
        return translated(self.name)

    @property
    def display_impact(self) -> str:
        return translated(self.business_impact)

    @property
    def display_obligation(self) -> str:
        return translated(self.customer_obligation)


class Coverage(models.TextChoices):
    ALWAYS = "24x7", _("24/7")
    BUSINESS_HOURS = "business_hours", _("Business hours")


class ResponseTarget(models.Model):
    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="targets", verbose_name=_("plan"))
    severity = models.ForeignKey(Severity, on_delete=models.CASCADE, related_name="targets", verbose_name=_("severity"))
    minutes = models.PositiveIntegerField(_("initial response (minutes)"), validators=[MinValueValidator(1)])
    coverage = models.CharField(_("coverage"), max_length=20, choices=Coverage.choices, default=Coverage.BUSINESS_HOURS)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan__display_order", "severity__display_order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "severity"], name="one_target_per_plan_and_severity"),
            models.CheckConstraint(condition=Q(minutes__gte=1), name="target_minutes_positive"),
        ]
        verbose_name = _("response target")

    def __str__(self) -> str:
        return f"{self.plan.code}/{self.severity.code}: {self.minutes} min {self.get_coverage_display()}"

    @property
    def duration(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.minutes)


class SupportRegion(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    holiday_country = models.CharField(
        _("holiday country"),
        max_length=3,
        blank=True,
        validators=[validate_holiday_country],
        help_text=_("ISO country code whose public holidays close the region, e.g. US, JP, DE."),
    )
    holiday_subdivision = models.CharField(_("holiday subdivision"), max_length=10, blank=True)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    # The one version of the SLA: the key of what sla/calendars.py keeps for the region's
    # submissions and of the SLA page's fragments. Every write to the region, its opening
    # intervals, date exceptions or languages bumps it (and snapshots its calendar), and
    # every write to a plan, severity or response target bumps every region's
    # (sla.services.region_changed and policy_changed, on every save and delete).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["display_order", "code"]
        verbose_name = _("support region")

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs) -> None:
        """A save of an existing region never writes `version`: only
        `sla.services.region_version_bump` moves it (`F("version") + 1`), so saving a copy read
        before another write cannot set it back to a number a cached calendar already has."""
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.attname for f in self._meta.concrete_fields if not f.primary_key and f.attname != "version"
            ]
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return translated(self.name)

    def clean(self) -> None:
        if self.holiday_subdivision:
            if not self.holiday_country:
                raise ValidationError({"holiday_subdivision": _("Choose a holiday country first.")})
            known = holidays_lib.list_supported_countries().get(self.holiday_country, [])
            if self.holiday_subdivision not in known:
                raise ValidationError(
                    {"holiday_subdivision": _("%(sub)s is not a subdivision of %(country)s.")},
                    params={"sub": self.holiday_subdivision, "country": self.holiday_country},
                )


class CalendarSnapshot(models.Model):
    """A region's calendar as it stood from `version` on: written in the transaction of
    every write that moves the region's version (`sla.services.region_version_bump`), and
    never changed. The calendar of version v is the snapshot with the greatest version <= v
    (a plan, severity or target edit moves every region's version without a snapshot: the
    calendar did not change). An incident keeps the version it was filed under
    (`Incident.calendar_version`), so its deadline and every escalation step stay on the
    calendar that applied when it was filed."""

    # No database constraint: a region deleted with its snapshots' writes in flight is gone
    # for good (regions with incidents cannot be deleted), and nothing reads these rows then.
    region = models.ForeignKey(SupportRegion, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    version = models.PositiveIntegerField(_("version"))
    time_zone = models.CharField(_("time zone"), max_length=64)
    holiday_country = models.CharField(_("holiday country"), max_length=3, blank=True)
    holiday_subdivision = models.CharField(_("holiday subdivision"), max_length=10, blank=True)
    intervals = models.JSONField(default=list)  # [[weekday, "09:00:00", "17:00:00"], ...]
    exceptions = models.JSONField(default=list)  # [["2026-12-24", "closed", "note"], ...]

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "version"], name="one_calendar_per_region_version")]

    def __str__(self) -> str:
        return f"{self.region_id} v{self.version}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningInterval(models.Model):
    region = models.ForeignKey(SupportRegion, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"), help_text=_("00:00 means midnight at the end of the day."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["region", "weekday", "opens_at"]
        verbose_name = _("opening interval")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    def clean(self) -> None:
        if self.closes_at != dt.time(0) and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The closing time must be after the opening time.")})


class DateException(models.Model):
    class Kind(models.TextChoices):
        CLOSED = "closed", _("Closed (extra holiday)")
        OPEN = "open", _("Open (overrides a public holiday)")

    region = models.ForeignKey(SupportRegion, on_delete=models.CASCADE, related_name="date_exceptions")
    on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["region", "on"]
        constraints = [models.UniqueConstraint(fields=["region", "on"], name="one_exception_per_region_and_date")]
        verbose_name = _("date exception")

    def __str__(self) -> str:
        return f"{self.on} {self.get_kind_display()}"


class RegionLanguage(models.Model):
    region = models.ForeignKey(SupportRegion, on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(_("language"), max_length=50)
    hours = models.CharField(_("hours"), max_length=200, help_text=_("e.g. Monday–Friday 09:00–17:00 local time"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["region", "language"]
        verbose_name = _("language served")

    def __str__(self) -> str:
        return f"{self.display_language}: {self.display_hours}"

    @property
    def display_language(self) -> str:
        return translated(self.language)

    @property
    def display_hours(self) -> str:
        return translated(self.hours)


class ChannelKind(models.TextChoices):
    PORTAL = "portal", _("Support portal")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    CHAT = "chat", _("Chat / Teams")


class SupportChannel(models.Model):
    """A way for customers to reach support, with its hours (shown on the contacts page)."""

    kind = models.CharField(_("kind"), max_length=10, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(
        _("address"), max_length=200, help_text=_("A web address, an email address or a phone number.")
    )
    hours = models.CharField(
        _("hours"), max_length=200, help_text=_("e.g. Monday–Friday 08:00–18:00 Central European Time")
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("published"), default=True)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name = _("support channel")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"
