"""Seed the SLA policy from Microsoft's published table: plans, severities, targets, regions.

Editable afterwards in the admin; running this on a database that already has rows with
these codes leaves them as they are.
"""

import datetime as dt

from django.db import migrations

PLANS = [
    ("subscription", "Subscription", "Online support during business hours, included with the add-on subscription.", 1),
    ("professional-direct", "Professional Direct", "Faster response and a named service delivery manager.", 2),
    ("premier", "Premier", "Fastest response, 24/7 for Severity A and B, proactive reviews.", 3),
]

SEVERITIES = [
    (
        "A",
        "Critical",
        "Critical business impact: the customer's business has significant loss or degradation of services, "
        "e.g. posting or warehouse shipping has stopped in production, and needs immediate attention.",
        "The customer commits the resources to work on the problem around the clock and stays reachable by "
        "phone at all times while the incident is Severity A; gives access to the environment and the people "
        "who can change it.",
        True,
        1,
    ),
    (
        "B",
        "Moderate",
        "Moderate business impact: the customer's business has moderate loss or degradation of services, but "
        "work can reasonably continue in an impaired manner.",
        "The customer provides resources and stays reachable during business hours while the incident is open.",
        False,
        2,
    ),
    (
        "C",
        "Minimum",
        "Minimum business impact: the business is substantially functioning with minor or no impediments to "
        "services; how-to and advisory questions.",
        "The customer provides accurate contact information and answers within two business days.",
        False,
        3,
    ),
]

# (plan, severity) -> (minutes, coverage)
TARGETS = {
    ("subscription", "A"): (60, "24x7"),
    ("professional-direct", "A"): (60, "24x7"),
    ("premier", "A"): (60, "24x7"),
    ("subscription", "B"): (240, "business_hours"),
    ("professional-direct", "B"): (120, "business_hours"),
    ("premier", "B"): (120, "24x7"),
    ("subscription", "C"): (480, "business_hours"),
    ("professional-direct", "C"): (240, "business_hours"),
    ("premier", "C"): (240, "business_hours"),
}

# code, name, zone, opens, closes, country, languages [(language, hours)], order
REGIONS = [
    ("north-america", "North America", "America/Los_Angeles", dt.time(6), dt.time(18), "US",
     [("English", "Monday–Friday 06:00–18:00 Pacific Time"), ("Spanish", "Monday–Friday 08:00–17:00 Pacific Time")], 1),
    ("japan", "Japan", "Asia/Tokyo", dt.time(9), dt.time(17, 30), "JP",
     [("Japanese", "Monday–Friday 09:00–17:30 Japan Standard Time"), ("English", "Monday–Friday 09:00–17:30 Japan Standard Time")], 2),
    ("germany", "Germany", "Europe/Berlin", dt.time(9), dt.time(17), "DE",
     [("German", "Monday–Friday 09:00–17:00 Central European Time"), ("English", "Monday–Friday 09:00–17:00 Central European Time")], 3),
    ("united-kingdom", "United Kingdom", "Europe/London", dt.time(9), dt.time(17), "GB",
     [("English", "Monday–Friday 09:00–17:00 UK time")], 4),
    ("denmark", "Denmark", "Europe/Copenhagen", dt.time(9), dt.time(17), "DK",
     [("Danish", "Monday–Friday 09:00–17:00 Central European Time"), ("English", "Monday–Friday 09:00–17:00 Central European Time")], 5),
]


def seed(apps, schema_editor):
    SupportPlan = apps.get_model("sla", "SupportPlan")
    Severity = apps.get_model("sla", "Severity")
    ResponseTarget = apps.get_model("sla", "ResponseTarget")
    SupportRegion = apps.get_model("sla", "SupportRegion")
    OpeningInterval = apps.get_model("sla", "OpeningInterval")
    RegionLanguage = apps.get_model("sla", "RegionLanguage")

    plans = {}
    for code, name, description, order in PLANS:
        plans[code], _ = SupportPlan.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "display_order": order}
        )
    severities = {}
    for code, name, impact, obligation, around_the_clock, order in SEVERITIES:
        severities[code], _ = Severity.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "business_impact": impact,
                "customer_obligation": obligation,
                "requires_around_the_clock_contact": around_the_clock,
                "display_order": order,
            },
        )
    for (plan, severity), (minutes, coverage) in TARGETS.items():
        ResponseTarget.objects.get_or_create(
            plan=plans[plan], severity=severities[severity], defaults={"minutes": minutes, "coverage": coverage}
        )
    for code, name, zone, opens, closes, country, languages, order in REGIONS:
        region, created = SupportRegion.objects.get_or_create(
            code=code, defaults={"name": name, "time_zone": zone, "holiday_country": country, "display_order": order}
        )
        if not created:
            continue
        for weekday in range(5):
            OpeningInterval.objects.create(region=region, weekday=weekday, opens_at=opens, closes_at=closes)
        for language, hours in languages:
            RegionLanguage.objects.create(region=region, language=language, hours=hours)


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
