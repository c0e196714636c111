"""Demo data for the lifecycle registry and the CfMD pages: our product and its versions with
their Dynamics compatibility, the lifecycle policy, support channels and the roadmap.

Deterministic and safe to run twice: rows are looked up by natural keys and only created when
missing. The first state of each row is dated in the past (HISTORY_START or the release date)
and the policy and statement get a later change, so `?as_of=` shows how they evolved.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from lifecycle.models import (
    Compatibility,
    DynamicsProduct,
    LifecyclePolicy,
    PlannedRelease,
    PolicyKind,
    Product,
    ProductVersion,
    ReleaseStatus,
    RoadmapStatement,
)
from lifecycle.services import (
    DATA_FILE,
    dynamics_lifecycle_import,
    dynamics_lifecycle_read,
    lifecycle_policy_update,
    roadmap_statement_review,
)
from sla.models import ChannelKind, SupportChannel

HISTORY_START = dt.datetime(2025, 10, 1, 9, 0, tzinfo=dt.UTC)
PRODUCT = ("contoso-advanced-warehousing", "Contoso Advanced Warehousing")

# version, build, policy, released, mainstream end, extended end, Dynamics keys, notes
VERSIONS = [
    ("9.0", "9.0.4512.0", PolicyKind.FIXED, "2016-02-15", "2021-04-13", "2026-04-14", ["nav-2016"], ""),
    ("10.0", "10.0.5120.0", PolicyKind.FIXED, "2016-11-14", "2022-01-11", "2027-01-11", ["nav-2017"], ""),
    (
        "11.0",
        "11.0.6840.0",
        PolicyKind.FIXED,
        "2018-01-15",
        "2023-01-10",
        "2028-01-11",
        ["nav-2018", "gp-2018", "gp-2018-r2"],
        "The last version for Dynamics NAV and the Dynamics GP edition.",
    ),
    ("14.0", "14.0.2210.0", PolicyKind.FIXED, "2019-05-06", "2023-10-10", "2025-10-14", ["bc-onprem-v14"], ""),
    ("27.0", "27.0.31050.0", PolicyKind.MODERN, "2025-10-20", None, None, ["bc-onprem-v27", "bc-online"], ""),
    ("28.0", "28.0.35610.0", PolicyKind.MODERN, "2026-04-20", None, None, ["bc-onprem-v28", "bc-online"], ""),
    ("29.0", "29.0.40120.0", PolicyKind.MODERN, "2026-10-19", None, None, ["bc-onprem-v29", "bc-online"], ""),
]

POLICY_TEXT = """\
{product} follows Microsoft's lifecycle policies for the Dynamics products it is built on.

**Fixed policy** (versions for Dynamics NAV, Dynamics GP and Business Central 14 and earlier):
each version has *mainstream support* (bug fixes, security fixes and compatibility updates) and
then *extended support* (security and critical fixes only) until the dates in the table below,
which match Microsoft's dates for the Dynamics version underneath.

**Modern policy** (Business Central online and on-premises from version 15): a version is
supported while it is current. We release a new version for every Business Central release
wave, on or shortly after Microsoft's general availability, and the previous version's support
ends when the new one ships. Customers on Business Central online are updated with the wave.

We announce any earlier end of support, and any change to this policy, at least
{months} months in advance on this page and by email to every organisation admin.
"""

CHANNELS = [
    (
        ChannelKind.PORTAL,
        "Support portal",
        "{site}/incidents/",
        "Submit 24/7. Severity A: around the clock; B and C: Monday–Friday in your region's business hours.",
        "File and follow incidents, add attachments and see your SLA clock. The fastest way to reach us.",
        1,
    ),
    (
        ChannelKind.EMAIL,
        "Email",
        "support@contoso.example",
        "Monday–Friday 06:00–18:00 Pacific Time and 09:00–17:00 Central European Time",
        "Every email opens an incident at Severity C; call us for Severity A.",
        2,
    ),
    (
        ChannelKind.PHONE,
        "Phone",
        "+1 425 555 0142",
        "Monday–Friday 06:00–18:00 Pacific Time; 24/7 for Severity A on Premier",
        "For Severity A, call after filing the incident so we can start at once.",
        3,
    ),
]

STATEMENT_V1 = """\
{product} extends Microsoft Dynamics 365 Business Central with advanced warehousing:
directed put-away and picking, cross-docking, wave planning and mobile scanning.

We follow Microsoft's statement of direction for Business Central: cloud first, AL extensions
only, two major release waves a year.
"""

STATEMENT_V2 = """\
## Direction

{product} extends Microsoft Dynamics 365 Business Central with advanced warehousing:
directed put-away and picking, cross-docking, wave planning and mobile scanning.

We follow Microsoft's statement of direction for Business Central:

- **Cloud first, on-premises supported.** Every release ships for Business Central online and
  on-premises on the same day.
- **Release waves.** A new major version for every Business Central release wave (April and
  October), validated against Microsoft's preview about one month before general availability.
- **AL extensions only.** No modified base objects; upgrades follow Microsoft's update cycle.
- **Dynamics NAV and GP.** Version 11.0 stays in extended support until Microsoft's end of
  extended support for Dynamics NAV 2018 (January 2028); we help customers move to Business
  Central with our migration toolkit.

## What comes next

The 2027 release wave 1 version adds warehouse robotics integration (Copilot-assisted slotting
suggestions in preview). Dates below are plans, not commitments.
"""

# wave, wave GA, our version, planned, status, highlights
RELEASES = [
    (
        "2026 release wave 2",
        "2026-10-01",
        "29.0",
        "2026-10-19",
        ReleaseStatus.RELEASED,
        "Wave planning for multiple locations; faster bin replenishment.",
    ),
    (
        "2026 release wave 2",
        "2026-10-01",
        "29.2",
        "2026-12-14",
        ReleaseStatus.IN_DEVELOPMENT,
        "Cumulative update: scanning app offline mode.",
    ),
    (
        "2027 release wave 1",
        "2027-04-01",
        "30.0",
        "2027-04-19",
        ReleaseStatus.PLANNED,
        "Warehouse robotics integration; Copilot slotting suggestions (preview).",
    ),
    (
        "2027 release wave 2",
        "2027-10-01",
        "31.0",
        "2027-10-18",
        ReleaseStatus.PLANNED,
        "Yard management; carrier label APIs.",
    ),
]


def _unwrap(markdown: str) -> str:
    """Join the hard-wrapped lines of the texts above (the renderer keeps single line breaks);
    list items stay one per line."""
    blocks = []
    for block in markdown.strip().split("\n\n"):
        lines: list[str] = []
        for line in block.splitlines():
            if lines and not line.startswith(("- ", "#")):
                lines[-1] += " " + line.strip()
            else:
                lines.append(line)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _at(day: dt.date, now: dt.datetime) -> dt.datetime:
    return min(dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC), now)


def _product(start: dt.datetime) -> Product:
    product = Product.objects.filter(code=PRODUCT[0]).first()
    if product is None:
        product = Product(
            code=PRODUCT[0],
            name=PRODUCT[1],
            description="Advanced warehousing for Microsoft Dynamics 365 Business Central, Dynamics NAV and Dynamics GP.",
        )
        product._history_date = start
        product.save()
    return product


def _versions(product: Product, *, now: dt.datetime, start: dt.datetime) -> None:
    dynamics = {d.key: d for d in DynamicsProduct.objects.all()}
    for version, build, policy, released, mainstream, extended, keys, notes in VERSIONS:
        released_on = _date(released)
        row = ProductVersion.objects.filter(product=product, version=version).first()
        if row is None:
            row = ProductVersion(
                product=product,
                version=version,
                build=build,
                policy=policy,
                released_on=released_on,
                mainstream_end_on=_date(mainstream),
                extended_end_on=_date(extended),
                notes=notes,
            )
            # Each row appears in the history when its version shipped (never before HISTORY_START).
            row._history_date = max(_at(released_on, now), start) if released_on else start
            row.save()
        for key in keys:
            if (
                key in dynamics
                and not Compatibility.objects.filter(product_version=row, dynamics_product=dynamics[key]).exists()
            ):
                link = Compatibility(product_version=row, dynamics_product=dynamics[key])
                link._history_date = row.history.earliest().history_date
                link.save()


def _statement_and_policy(*, now: dt.datetime, start: dt.datetime) -> None:
    """Each with a first state at `start` and a later change."""
    months_then, months_now = 6, 12
    if not RoadmapStatement.objects.exists():
        roadmap_statement_review(
            body=_unwrap(STATEMENT_V1.format(product=PRODUCT[1])),
            reviewed_by="Mark Manager, Head of Product",
            reviewed_on=start.date(),
            now=start,
        )
        review_day = now.date() - dt.timedelta(days=40)
        roadmap_statement_review(
            body=_unwrap(STATEMENT_V2.format(product=PRODUCT[1])),
            reviewed_by="Mark Manager, Head of Product",
            reviewed_on=review_day,
            now=_at(review_day, now),
        )
    if not LifecyclePolicy.objects.exists():
        lifecycle_policy_update(
            policy_text=_unwrap(POLICY_TEXT.format(product=PRODUCT[1], months=months_then)),
            notice_period_months=months_then,
            dates_time_zone="America/Los_Angeles",
            now=start,
        )
        lifecycle_policy_update(
            policy_text=_unwrap(POLICY_TEXT.format(product=PRODUCT[1], months=months_now)),
            notice_period_months=months_now,
            dates_time_zone="America/Los_Angeles",
            now=_at(dt.date(2026, 6, 1), now),
        )


def _channels(start: dt.datetime) -> None:
    for kind, name, address, hours, description, order in CHANNELS:
        if not SupportChannel.objects.filter(kind=kind, name=name).exists():
            channel = SupportChannel(
                kind=kind,
                name=name,
                address=address.format(site=settings.SITE_URL),
                hours=hours,
                description=description,
                display_order=order,
            )
            channel._history_date = start
            channel.save()


def _releases(product: Product, start: dt.datetime) -> None:
    for wave, wave_on, version, planned, status, highlights in RELEASES:
        if not PlannedRelease.objects.filter(product=product, version=version).exists():
            release = PlannedRelease(
                product=product,
                wave=wave,
                wave_starts_on=_date(wave_on),
                version=version,
                planned_on=_date(planned),
                status=status,
                highlights=highlights,
            )
            release._history_date = start
            release.save()


def seed(*, now: dt.datetime, stdout) -> None:
    start = min(HISTORY_START, now)
    result = dynamics_lifecycle_import(rows=dynamics_lifecycle_read(DATA_FILE), now=start)
    product = _product(start)
    _versions(product, now=now, start=start)
    _statement_and_policy(now=now, start=start)
    _channels(start)
    _releases(product, start)
    stdout.write(
        f"lifecycle: Dynamics lifecycle {result.created} created / {result.unchanged} unchanged; "
        f"{ProductVersion.objects.count()} versions"
    )
