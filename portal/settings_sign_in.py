"""Settings of signing in, read from the environment (imported by portal/settings.py): the
backends, django-axes' lockout of the password step, password-reset limits, and the second
factor (django-otp)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os

from portal.environment import fail as _fail
from portal.environment import read_int as _int
from portal.environment import read_rate as _rate

__all__ = [
    "AUTHENTICATION_BACKENDS",
    "AXES_CLIENT_IP_CALLABLE",
    "AXES_COOLOFF_TIME",
    "AXES_ENABLE_ACCESS_FAILURE_LOG",
    "AXES_FAILURE_LIMIT",
    "AXES_HANDLER",
    "AXES_LOCKOUT_CALLABLE",
    "AXES_LOCKOUT_PARAMETERS",
    "AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT",
    "AXES_RESET_ON_SUCCESS",
    "INVITATION_CLIENT_RATE",
    "INVITATION_EMAIL_RATE",
    "OTP_STATIC_THROTTLE_FACTOR",
    "OTP_TOTP_THROTTLE_FACTOR",
    "PASSWORD_RESET_CLIENT_RATE",
    "PASSWORD_RESET_EMAIL_RATE",
    "SIGN_IN_ACCOUNT_SLOWDOWN_AFTER",
    "SIGN_IN_ACCOUNT_SLOWDOWN_MAX_SECONDS",
    "SIGN_IN_ADDRESS_FAILURE_LIMIT",
    "TRUSTED_PROXIES",
]

# django-axes first: it refuses a locked-out sign-in before the password is checked (the site's
# sign-in page and the admin's). PortalBackend also loads the contact's membership,
# organisation and region with the user (one query).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.auth.PortalBackend"]
# Brute force (accounts/lockout.py): AXES_FAILURE_LIMIT failed sign-ins for one account from one
# client address lock that pair out for AXES_COOLOFF_MINUTES; SIGN_IN_ADDRESS_FAILURE_LIMIT
# failures lock an address out for every account; an account with SIGN_IN_ACCOUNT_SLOWDOWN_AFTER
# failures from anywhere is slowed down (1, 2, 4 … seconds between attempts, at most
# SIGN_IN_ACCOUNT_SLOWDOWN_MAX_SECONDS), never locked. Attempts refused by a lock are not counted.
# Every failure is an audit row (AccessFailureLog, in the admin); a successful sign-in forgets
# the pair's earlier failures, a password reset all of the account's.
AXES_HANDLER = "accounts.lockout.PortalLockoutHandler"
AXES_FAILURE_LIMIT = _int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "core.client_address.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
SIGN_IN_ADDRESS_FAILURE_LIMIT = _int("SIGN_IN_ADDRESS_FAILURE_LIMIT", 30)
SIGN_IN_ACCOUNT_SLOWDOWN_AFTER = _int("SIGN_IN_ACCOUNT_SLOWDOWN_AFTER", 10)
SIGN_IN_ACCOUNT_SLOWDOWN_MAX_SECONDS = _int("SIGN_IN_ACCOUNT_SLOWDOWN_MAX_SECONDS", 60)
if AXES_FAILURE_LIMIT < 1:
    _fail("AXES_FAILURE_LIMIT", "must be at least 1")
# The proxies whose X-Forwarded-For is believed (core/client_address.py), comma-separated
# addresses or networks; empty: any peer's, as API_NUM_PROXIES counts them.
TRUSTED_PROXIES = [item.strip() for item in os.environ.get("API_TRUSTED_PROXIES", "").split(",") if item.strip()]
for _network in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        _fail("API_TRUSTED_PROXIES", f"expected addresses or networks, got {_network!r}")
# Password-reset requests per client address and per e-mail address asked for.
PASSWORD_RESET_CLIENT_RATE = _rate("PASSWORD_RESET_CLIENT_RATE", "10/hour")
PASSWORD_RESET_EMAIL_RATE = _rate("PASSWORD_RESET_EMAIL_RATE", "3/hour")
# Invitations sent per client address and per invited e-mail address.
INVITATION_CLIENT_RATE = _rate("INVITATION_CLIENT_RATE", "30/hour")
INVITATION_EMAIL_RATE = _rate("INVITATION_EMAIL_RATE", "3/hour")
# The second factor (accounts/two_factor.py): every staff account, and the customers who turn it
# on or whose organisation requires it, pass an authenticator-app code (TOTP) or a one-time
# recovery code after the password. A wrong code makes the device wait 1, 2, 4, 8 … seconds
# before it checks the next one (django-otp's throttling); a code is accepted once.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
