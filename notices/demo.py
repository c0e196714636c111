"""Demo notices: the versions some organisations run, and the job run for each contract's first
day and for today, so that the admin's sent log has rows (see `manage.py seed_demo`)."""

from __future__ import annotations

import datetime as dt

from accounts.models import Contract, Organization
from lifecycle.models import ProductVersion
from notices.models import OrganizationVersion, SentNotice
from notices.services import notices_run

# organisation, version of our product it runs
VERSIONS_RUN = [
    ("Fabrikam Inc.", "11.0"),
    ("Northwind Traders GmbH", "10.0"),
    ("Tailspin Toys K.K.", "28.0"),
]


def seed(*, now: dt.datetime, stdout) -> None:
    for org_name, version in VERSIONS_RUN:
        organization = Organization.objects.filter(name=org_name).first()
        product_version = ProductVersion.objects.filter(version=version).first()
        if organization and product_version:
            OrganizationVersion.objects.get_or_create(organization=organization, product_version=product_version)
    days = sorted(set(Contract.objects.values_list("starts_on", flat=True)) | {now.date()})
    for day in days:
        notices_run(today=day, now=now)
    stdout.write(f"  notices sent: {SentNotice.objects.count()}")
