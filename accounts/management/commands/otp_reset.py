"""`manage.py otp_reset <username>`: remove a person's authenticator app and recovery codes
(a lost phone), so that they enrol again at their next sign-in."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.two_factor import is_staff_account, sessions_end, two_factor_reset_by_operator


class Command(BaseCommand):
    help = "Remove a person's two-step verification devices (authenticator app, recovery codes)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The login of the person who lost their device.")

    def handle(self, *args, username: str, **options):
        user = get_user_model()._default_manager.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account with the login {username!r}.")
        apps, codes = two_factor_reset_by_operator(user=user, now=timezone.now())
        # Whoever holds one of their sessions (the lost phone's browser) must not set up a
        # new app in it: they sign in again, with the password.
        ended = sessions_end(user=user)
        if not apps and not codes:
            self.stdout.write(
                f"{username} had no authenticator app and no recovery codes: nothing removed; "
                f"{ended} session(s) signed out."
            )
            return
        self.stdout.write(
            f"Removed {username}'s two-step verification: {apps} authenticator app(s) and {codes} unused "
            "recovery code(s)."
        )
        if is_staff_account(user):
            self.stdout.write(
                f"{username} sets up a new authenticator app at their next sign-in, after opening a link "
                "e-mailed to their address (or your approval in the admin: Two-factor re-enrolments)."
            )
        else:
            self.stdout.write(
                f"{username} signs in with their password only, unless their organisation requires "
                "two-step verification (then they set up a new app at their next sign-in)."
            )
        self.stdout.write(f"Signed out {ended} session(s): every device signs in again with the password.")
