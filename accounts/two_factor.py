"""The second factor (django-otp): who needs one, enrolling an authenticator app, recovery
codes, checking a code, and removing a lost device.

Every staff account needs it; a customer needs it once they turned it on (they have a
confirmed device) or when their organisation requires it. A session has passed it when
django-otp's session key names the device that accepted a code (`django_otp.login`); a
password alone reaches only the second-factor pages (`portal.middleware.TwoFactorMiddleware`).
"""

from __future__ import annotations

import io
from base64 import b32encode
from importlib import import_module
from typing import Any

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from accounts.models import Organization, TwoFactorReenrolment

RECOVERY_CODES = 10
TOTP_DIGITS = 6
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
# The session key of "this customer has a confirmed device", kept from sign-in so that the
# pages they open need no query for it (staff need no key: every one of them needs a factor).
HAS_DEVICE_SESSION_KEY = "two_factor_has_device"


def is_staff_account(user: Any) -> bool:
    return bool(user.is_staff or user.is_superuser)


def organization_of(user: Any) -> Organization | None:
    """The organisation of an active membership, as `accounts.auth.PortalBackend` loaded it."""
    membership = getattr(user, "membership", None)
    return membership.organization if membership is not None and membership.is_active else None


def has_confirmed_device(user: Any) -> bool:
    return django_otp.user_has_device(user, confirmed=True)


def two_factor_required(user: Any, *, has_device: bool) -> bool:
    """Whether this person must pass a second factor after the password."""
    if is_staff_account(user) or has_device:
        return True
    organization = organization_of(user)
    return organization is not None and organization.requires_two_factor


def is_verified(request: HttpRequest) -> bool:
    """The session passed the second factor (`django_otp.login` wrote the device's id)."""
    return bool(request.session.get(django_otp.DEVICE_ID_SESSION_KEY))


def two_factor_pending(request: HttpRequest) -> bool:
    """A signed-in person who needs a second factor and has not passed it in this session."""
    user = request.user
    if not user.is_authenticated or is_verified(request):
        return False
    if is_staff_account(user):
        return True
    has_device = request.session.get(HAS_DEVICE_SESSION_KEY)
    if has_device is None:  # a session opened before the key existed
        has_device = remember_has_device(request)
    return two_factor_required(user, has_device=has_device)


def remember_has_device(request: HttpRequest) -> bool:
    has_device = not is_staff_account(request.user) and has_confirmed_device(request.user)
    request.session[HAS_DEVICE_SESSION_KEY] = has_device
    return has_device


def has_device_on_login(sender: object, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """`user_logged_in` receiver: note whether a customer has a device, for every page after."""
    if request is not None and hasattr(request, "session") and not is_staff_account(user):
        request.session[HAS_DEVICE_SESSION_KEY] = has_confirmed_device(user)


# --- Enrolling ---------------------------------------------------------------------------

# The key being enrolled lives in the session that asked for it, for PENDING_KEY_MINUTES: no
# other session sees it (each gets its own), and only the first confirmed one counts.
PENDING_KEY_SESSION_KEY = "two_factor_pending_key"
PENDING_KEY_MINUTES = 15
# The session that opened the e-mailed link after `otp_reset` (accounts/two_factor_proof.py).
PROOF_SESSION_KEY = "two_factor_enrolment_proof"


class EnrolmentRefused(Exception):
    """The app cannot be confirmed in this session; the message says why."""


def totp_key_pending(request: HttpRequest, *, create: bool = True) -> str | None:
    """This session's key for the authenticator app being enrolled (hex), made at random the
    first time (or after PENDING_KEY_MINUTES); None without `create` if there is none."""
    pending = request.session.get(PENDING_KEY_SESSION_KEY)
    now = timezone.now().timestamp()
    if (
        isinstance(pending, dict)
        and pending.get("user") == request.user.pk
        and now - pending.get("at", 0) < PENDING_KEY_MINUTES * 60
    ):
        return str(pending["key"])
    if not create:
        return None
    key = random_hex(20)
    request.session[PENDING_KEY_SESSION_KEY] = {"key": key, "user": request.user.pk, "at": now}
    return key


def totp_secret(key: str) -> str:
    """The key as authenticator apps ask for it when typed in: base32, in groups of four."""
    secret = b32encode(bytes.fromhex(key)).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_config_url(user: Any, key: str) -> str:
    """The otpauth:// URL of the QR code."""
    return str(TOTPDevice(user=user, name=TOTP_DEVICE_NAME, key=key).config_url)


def _time_step_of(key: str, token: str) -> int | None:
    """The time step whose code `token` is (this one or a neighbour), or None."""
    if not (token.isdigit() and len(token) == TOTP_DIGITS):
        return None
    totp = TOTP(bytes.fromhex(key), digits=TOTP_DIGITS)
    for drift in (0, -1, 1):
        totp.drift = drift
        if totp.token() == int(token):
            return int(totp.t())
    return None


def enrolled_elsewhere() -> str:
    return _("An authenticator app was set up in another session. Enter a code from it.")


def totp_key_drop(request: HttpRequest) -> bool:
    """Forget this session's pending key (another session confirmed an app); True if it had one."""
    return request.session.pop(PENDING_KEY_SESSION_KEY, None) is not None


def enrolment_allowed(request: HttpRequest) -> bool:
    """After `otp_reset` a new app needs a fresh proof, never the password alone: this
    session opened the e-mailed link, or a staff member approved it."""
    reenrolment = TwoFactorReenrolment.objects.filter(user_id=request.user.pk).first()
    if reenrolment is None or reenrolment.approved_at is not None:
        return True
    proof = request.session.get(PROOF_SESSION_KEY)
    return bool(reenrolment.session_nonce) and proof == reenrolment.session_nonce


def totp_device_confirm(*, request: HttpRequest, token: str) -> list[str] | None:
    """Confirm this session's pending key with a code from the app: the device counts from
    now on, the session has passed the second factor, and a new set of recovery codes
    replaces any earlier one. Returns the recovery codes (shown once), None for a wrong code;
    `EnrolmentRefused` when another session confirmed an app first or a proof is missing."""
    user = request.user
    key = totp_key_pending(request, create=False)
    step = _time_step_of(key, "".join(token.split())) if key else None
    if key is None or step is None:
        return None
    with transaction.atomic():
        # One enrolment at a time per person: the second of two sessions finds the first's app.
        get_user_model()._default_manager.select_for_update().filter(pk=user.pk).first()
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise EnrolmentRefused(enrolled_elsewhere())
        if not enrolment_allowed(request):
            raise EnrolmentRefused(_("Open the link we e-mailed you first."))
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=True, last_t=step)
        codes = recovery_codes_create(user=user)
        TwoFactorReenrolment.objects.filter(user=user).delete()
    request.session.pop(PENDING_KEY_SESSION_KEY, None)
    request.session.pop(PROOF_SESSION_KEY, None)
    django_otp.login(request, device)
    request.session[HAS_DEVICE_SESSION_KEY] = not is_staff_account(user)
    return codes


def qr_code_svg(text: str) -> bytes:
    """A QR code of `text` as a standalone SVG document (no script, no style attribute)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def recovery_codes_create(*, user: Any) -> list[str]:
    """Ten new one-time recovery codes; the earlier ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


# --- Signing in with a code ----------------------------------------------------------------


def two_factor_verify(*, request: HttpRequest, token: str) -> Device | None:
    """Check a code from the authenticator app, or a recovery code (used up by it), against
    the signed-in person's confirmed devices; on success the session has passed the second
    factor. A wrong code makes each device wait longer before its next check."""
    token = "".join(token.split()).lower()
    if not token:
        return None
    # Six digits are an app's code, anything else a recovery code: a code is checked only
    # where it can match, so using one kind does not slow the other kind down.
    model = TOTPDevice if token.isdigit() and len(token) == TOTP_DIGITS else StaticDevice
    with transaction.atomic():
        devices = model.objects.devices_for_user(request.user, confirmed=True).select_for_update()
        accepted = next((device for device in devices if device.verify_token(token)), None)
    if accepted is not None:
        django_otp.login(request, accepted)
    return accepted


def recovery_codes_renew(*, user: Any, token: str) -> list[str] | None:
    """New recovery codes for someone who proves they still hold their authenticator app (a
    current code from it, not a recovery code): the earlier codes stop working. Returns the
    codes (shown once), or None for a wrong or reused code."""
    token = "".join(token.split())
    if not (token.isdigit() and len(token) == TOTP_DIGITS):
        return None
    with transaction.atomic():
        devices = TOTPDevice.objects.devices_for_user(user, confirmed=True).select_for_update()
        if not any(device.verify_token(token) for device in devices):
            return None
        return recovery_codes_create(user=user)


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- Removing ------------------------------------------------------------------------------


def two_factor_reset(*, user: Any) -> tuple[int, int]:
    """Remove the person's authenticator apps and recovery codes (a lost phone): they enrol
    again at their next sign-in (staff, members of an organisation that requires it) or sign
    in with their password only (a customer who had turned it on). Returns (apps, recovery
    codes) removed."""
    with transaction.atomic():
        apps = TOTPDevice.objects.filter(user=user).filter(confirmed=True).count()
        codes = StaticToken.objects.filter(device__user=user).count()
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    return apps, codes


def two_factor_reset_by_operator(*, user: Any, now: Any) -> tuple[int, int]:
    """`manage.py otp_reset`: as `two_factor_reset`, and a new app then needs a fresh proof
    (`enrolment_allowed`), so that whoever holds the password cannot set up their own."""
    with transaction.atomic():
        removed = two_factor_reset(user=user)
        TwoFactorReenrolment.objects.update_or_create(
            user=user,
            defaults={
                "created_at": now,
                "link_nonce": "",
                "session_nonce": "",
                "approved_by": None,
                "approved_at": None,
            },
        )
    return removed


def sessions_end(*, user: Any) -> int:
    """Sign the person out everywhere: delete each of their sessions from the session store
    (the database and, for the cached store, the cache). Sessions are not indexed by user,
    so each unexpired one is read: fine for the rare admin command that calls it. Returns how
    many were ended."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk):
            store(session_key=session.session_key).delete()
            ended += 1
    return ended


def organization_require_two_factor(*, organization: Organization, required: bool) -> None:
    """An organisation admin requires a second factor of every member (or stops): members
    without a device are sent to enrolment from their next page."""
    organization.requires_two_factor = required
    organization.save(update_fields=["requires_two_factor"])
