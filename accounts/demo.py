"""Demo organisations, people, staff and contracts (see `manage.py seed_demo`)."""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.emails import email_normalise
from accounts.entitlements import contract_create
from accounts.models import Contract, Membership, Organization, Role, StaffProfile
from sla.models import SupportPlan, SupportRegion

DEMO_PASSWORD = "demo-portal-2026"  # noqa: S105 # printed for the demo on purpose (DEBUG only) # nosec B105
# The demo staff's authenticator key (hex, as django-otp stores it), printed by
# `seed_demo --banner` with DEBUG on, so that a reviewer can add it to any authenticator app.
# A seed without DEBUG gives staff no device: they set up their own at their first sign-in.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"

DEMO_LOGINS = [
    ("Customer organisation admin", "olivia@fabrikam.example"),
    ("Customer contact (submitter)", "carl@fabrikam.example"),
    ("Customer contact (viewer)", "vera@fabrikam.example"),
    ("Other organisation's admin", "nils@northwind.example"),
    ("Support engineer", "erin"),
    ("Support lead", "leah"),
    ("Support manager", "mark"),
    ("Superuser", "admin"),
]

# name, region, zone, language, plan
ORGANIZATIONS = [
    ("Fabrikam Inc.", "north-america", "America/Chicago", "en", "professional-direct"),
    ("Northwind Traders GmbH", "germany", "Europe/Berlin", "de", "subscription"),
    ("Tailspin Toys K.K.", "japan", "Asia/Tokyo", "ja", "premier"),
    ("Alpine Ski House A/S", "denmark", "Europe/Copenhagen", "da", "subscription"),
    ("Litware Ltd", "united-kingdom", "Europe/London", "en", "professional-direct"),
]

# username/email, first, last, organisation, role
CONTACTS = [
    ("olivia@fabrikam.example", "Olivia", "Admin", "Fabrikam Inc.", Role.ADMIN, "+1 312 555 0100"),
    ("carl@fabrikam.example", "Carl", "Contact", "Fabrikam Inc.", Role.SUBMITTER, "+1 312 555 0101"),
    ("vera@fabrikam.example", "Vera", "Viewer", "Fabrikam Inc.", Role.VIEWER, ""),
    ("nils@northwind.example", "Nils", "Neumann", "Northwind Traders GmbH", Role.ADMIN, "+49 30 555 0100"),
    ("haruto@tailspin.example", "Haruto", "Sato", "Tailspin Toys K.K.", Role.ADMIN, "+81 3 5555 0100"),
    ("freja@alpineski.example", "Freja", "Holm", "Alpine Ski House A/S", Role.ADMIN, "+45 55 55 01 00"),
    ("george@litware.example", "George", "Hill", "Litware Ltd", Role.ADMIN, "+44 20 5555 0100"),
]

# Support contacts besides the admins (who are support and billing contacts).
SUPPORT_CONTACTS = {"carl@fabrikam.example"}

# username, first, last, group, zone, superuser
STAFF = [
    ("erin", "Erin", "Engineer", "Support engineers", "Europe/London", False),
    ("evan", "Evan", "Eriksen", "Support engineers", "Europe/Copenhagen", False),
    ("leah", "Leah", "Lead", "Support leads", "America/Los_Angeles", False),
    ("mark", "Mark", "Manager", "Support managers", "Europe/Berlin", False),
    ("admin", "Ada", "Administrator", "Support managers", "UTC", True),
]


def _user(username: str, *, email: str, first: str, last: str, is_staff: bool = False, is_superuser: bool = False):
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={
            "email": email_normalise(email),
            "first_name": first,
            "last_name": last,
            "is_staff": is_staff,
            "is_superuser": is_superuser,
        },
    )
    if created:
        # The published password only where the demo is a demo (DEBUG on); a forced seed of
        # another installation leaves the accounts without one (`manage.py changepassword`).
        if settings.DEBUG:
            user.set_password(DEMO_PASSWORD)
        else:
            user.set_unusable_password()
        user.save()
    return user


def seed(*, now: dt.datetime, stdout) -> None:
    today = now.date()
    for name, region, zone, language, plan in ORGANIZATIONS:
        org, _ = Organization.objects.get_or_create(
            name=name,
            defaults={"region": SupportRegion.objects.get(code=region), "time_zone": zone, "language": language},
        )
        if not Contract.objects.filter(organization=org).exists():
            # A two-year term that started a few months ago: 12 incidents, prorated one per 60 days.
            starts_on = today.replace(day=1) - dt.timedelta(days=120)
            contract_create(
                organization=org,
                plan=SupportPlan.objects.get(code=plan),
                starts_on=starts_on,
                ends_on=starts_on + dt.timedelta(days=729),
                reference=f"CT-{org.pk:04d}",
            )
    for email, first, last, org_name, role, phone in CONTACTS:
        user = _user(email, email=email, first=first, last=last)
        org = Organization.objects.get(name=org_name)
        Membership.objects.get_or_create(
            user=user,
            defaults={
                "organization": org,
                "role": role,
                "time_zone": org.time_zone,
                "language": org.language,
                "phone": phone,
                # Contact roles: every admin is a support and billing contact; Carl is a support contact too.
                "is_support_contact": role == Role.ADMIN or email in SUPPORT_CONTACTS,
                "is_billing_contact": role == Role.ADMIN,
            },
        )
    for username, first, last, group, zone, superuser in STAFF:
        user = _user(
            username, email=f"{username}@contoso.example", first=first, last=last, is_staff=True, is_superuser=superuser
        )
        user.groups.add(Group.objects.get_or_create(name=group)[0])
        StaffProfile.objects.get_or_create(user=user, defaults={"time_zone": zone})
        if settings.DEBUG and not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(user=user, name="Demo authenticator", key=DEMO_TOTP_KEY, confirmed=True)
    stdout.write(f"  organisations: {Organization.objects.count()}, contacts: {Membership.objects.count()}")


def demo_totp_secret() -> str:
    """The demo staff's key in base32, as authenticator apps take it."""
    return base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()


def demo_totp_uri() -> str:
    issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
    label = quote(f"{issuer}:demo staff")
    return f"otpauth://totp/{label}?secret={demo_totp_secret()}&issuer={quote(issuer)}&digits=6&period=30"
