"""Sample data for the admin's preview of each notice template in each language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from notices.due import renew_contact

SAMPLE_PLAN = {
    "organization": "Fabrikam Inc.",
    "plan": "Professional Direct",
    "previous_plan": "Subscription",
    "starts_on": "2027-01-01",
    "ends_on": "2027-12-31",
    "reference": "CT-0001",
    "allotted": 6,
    "used": 2,
    "left": 4,
    "account_url": f"{settings.SITE_URL}/account/",
}
SAMPLE_VERSION = {
    "organization": "Fabrikam Inc.",
    "product": "Contoso Advanced Warehousing",
    "version": "3.0",
    "policy": "fixed",
    "milestone": "extended",
    "ends_on": "2028-01-09",
    "upgrade_path": [{"version": "4.0", "ends_on": "2030-07-09"}, {"version": "5.0", "ends_on": ""}],
    "lifecycle_url": f"{settings.SITE_URL}/support/lifecycle/",
}
TEMPLATES = ["welcome", "upgrade", "renewal", "lapsed", "end_of_support"]


def sample_context(template: str) -> dict[str, Any]:
    base = SAMPLE_VERSION if template == "end_of_support" else SAMPLE_PLAN
    return {
        **base,
        "renew_contact": renew_contact(),
        "support_contact": renew_contact(),
        "VENDOR_NAME": settings.VENDOR_NAME,
        "is_late": False,
        "today": dt.date(2027, 11, 1).isoformat(),
    }
