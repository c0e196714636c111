"""Build the demo: organisations, people, contracts and incidents, through the services.

Deterministic and safe to run twice: rows are looked up by their natural keys first.
Each app adds its own demo data in `<app>/demo.py` (a `seed(*, now, stdout)` function).
"""

from __future__ import annotations

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.demo import DEMO_LOGINS, DEMO_PASSWORD, demo_totp_secret, demo_totp_uri
from accounts.demo import seed as seed_portal

APPS_WITH_DEMO_DATA = ["lifecycle", "incidents", "escalation", "knowledgebase", "notices", "cfmd"]


class Command(BaseCommand):
    help = "Create (or complete) the demo data. Safe to run more than once."

    def add_arguments(self, parser):
        parser.add_argument("--banner", action="store_true", help="Only print the URL and the demo logins.")
        parser.add_argument(
            "--force-without-debug",
            action="store_true",
            help="Seed although DEBUG is off (the demo accounts then get no password).",
        )

    def handle(self, *args, banner: bool = False, force_without_debug: bool = False, **options):
        if not settings.DEBUG and not force_without_debug:
            raise CommandError(
                "seed_demo creates demo accounts, a superuser among them, with a published password: "
                "it runs only with DEBUG=true. Pass --force-without-debug to seed another installation "
                "anyway; the accounts then have no password until `manage.py changepassword` sets one."
            )
        if not banner:
            now = timezone.now()
            seed_portal(now=now, stdout=self.stdout)
            for app in APPS_WITH_DEMO_DATA:
                try:
                    module = importlib.import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                module.seed(now=now, stdout=self.stdout)
            self.stdout.write(self.style.SUCCESS("Demo data is ready."))
            return
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("  The support portal is starting on http://127.0.0.1:8000/"))
        self.stdout.write("  Engineer console (Django admin): http://127.0.0.1:8000/admin/")
        if settings.DEBUG:
            self.stdout.write(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
        else:
            self.stdout.write("  Demo logins (no password: set one with `manage.py changepassword <login>`):")
        for role, username in DEMO_LOGINS:
            self.stdout.write(f"    {role:<34} {username}")
        if settings.DEBUG:
            self.stdout.write(
                "  Staff then enter a code from an authenticator app. Add this key to one (all demo staff share it):"
            )
            self.stdout.write(f"    key: {demo_totp_secret()}")
            self.stdout.write(f"    URI: {demo_totp_uri()}")
            self.stdout.write(f"    or, without a phone: oathtool --totp -b {demo_totp_secret()}")
        else:
            self.stdout.write("  Staff set up an authenticator app at their first sign-in (a QR code is shown).")
        self.stdout.write(
            "  Emails the portal sends are written to var/mail/. Press Ctrl-C to stop web, worker and beat."
        )
        self.stdout.write("")
