"""Demo data for the CfMD pages: the evidence records (escrow, test reports, customer
references, competency, partner profile) that staff keep in the admin.

Deterministic and safe to run twice: records are looked up by kind and title and only created
when missing. Each record enters the history on its own date, so `?as_of=` shows what was
current then.
"""

from __future__ import annotations

import datetime as dt

from cfmd.models import EvidenceKind, EvidenceRecord


def _at(day: dt.date, now: dt.datetime) -> dt.datetime:
    return min(dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC), now)


def _evidence(today: dt.date) -> list[tuple]:
    """kind, title, agent, dated on, valid until, url, details. Mostly current; the partner
    profile is stale on purpose, to show a red status."""
    d = dt.timedelta
    return [
        (
            EvidenceKind.ESCROW,
            "Source code deposit: release 29.0",
            "NCC Group Software Resilience",
            today - d(days=33),
            today + d(days=332),
            "https://escrow.example.com/contoso/agreement-4471",
            "Escrow agreement 4471 (single-licensee, release on insolvency). Deposits after every major release.",
        ),
        (
            EvidenceKind.TEST_REPORT,
            "CfMD solution test: Contoso Advanced Warehousing 29.0",
            "Veritest (Microsoft-approved test lab)",
            today - d(days=45),
            today + d(days=320),
            "https://testlab.example.com/reports/cfmd-caw-29",
            "Passed: installation, upgrade from 28.0, per-tenant extension validation, performance baseline.",
        ),
        (
            EvidenceKind.CUSTOMER_REFERENCE,
            "Fabrikam Inc.: 40 warehouses live on 28.0",
            "Fabrikam Inc., VP Operations",
            today - d(days=90),
            today + d(days=275),
            "https://contoso.example/customers/fabrikam",
            "Reference call available; case study published.",
        ),
        (
            EvidenceKind.CUSTOMER_REFERENCE,
            "Litware Ltd: migration from NAV 2018 to Business Central",
            "Litware Ltd, IT director",
            today - d(days=200),
            None,
            "https://contoso.example/customers/litware",
            "",
        ),
        (
            EvidenceKind.CUSTOMER_REFERENCE,
            "Tailspin Toys K.K. reference (2024)",
            "Tailspin Toys K.K.",
            dt.date(2024, 6, 10),
            dt.date(2025, 6, 10),
            "",
            "Expired; kept for the record.",
        ),
        (
            EvidenceKind.COMPETENCY,
            "Solutions Partner for Business Applications",
            "Microsoft AI Cloud Partner Program",
            today - d(days=120),
            today + d(days=245),
            "https://partner.microsoft.com/",
            "Designation renewed annually.",
        ),
        # Earlier records, so that the compliance page as of early 2026 shows what was current then.
        (
            EvidenceKind.ESCROW,
            "Source code deposit: release 27.0",
            "NCC Group Software Resilience",
            dt.date(2025, 10, 27),
            dt.date(2026, 10, 27),
            "https://escrow.example.com/contoso/agreement-4471",
            "Deposit after the 2025 release wave 2 version.",
        ),
        (
            EvidenceKind.TEST_REPORT,
            "CfMD solution test: Contoso Advanced Warehousing 27.0",
            "Veritest (Microsoft-approved test lab)",
            dt.date(2025, 10, 6),
            dt.date(2026, 10, 6),
            "https://testlab.example.com/reports/cfmd-caw-27",
            "Passed.",
        ),
        (
            EvidenceKind.COMPETENCY,
            "Solutions Partner for Business Applications (2025)",
            "Microsoft AI Cloud Partner Program",
            dt.date(2025, 7, 1),
            dt.date(2026, 6, 30),
            "https://partner.microsoft.com/",
            "",
        ),
        (
            EvidenceKind.PARTNER_PROFILE,
            "Partner Center profile and AppSource listing",
            "Microsoft Partner Center",
            dt.date(2025, 8, 15),
            None,
            "https://appsource.microsoft.com/",
            "Review overdue: the listing still names version 26.",
        ),
    ]


def seed(*, now: dt.datetime, stdout) -> None:
    for kind, title, agent, dated_on, valid_until, url, details in _evidence(now.date()):
        if not EvidenceRecord.objects.filter(kind=kind, title=title).exists():
            record = EvidenceRecord(
                kind=kind,
                title=title,
                agent=agent,
                dated_on=dated_on,
                valid_until=valid_until,
                url=url,
                details=details,
            )
            record._history_date = _at(dated_on, now)
            record.save()

    stdout.write(f"cfmd: {EvidenceRecord.objects.count()} evidence records")
