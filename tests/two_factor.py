"""Helpers for the second factor in tests: a staff member's authenticator app (a confirmed
TOTP device with a key the test knows) and the code it shows now."""

from __future__ import annotations

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_device_for(user) -> TOTPDevice:
    """The user's confirmed authenticator app, made if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test phone", confirmed=True)


def totp_code(device: TOTPDevice) -> str:
    """The code the app shows now (as a phone would compute it from the key)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def fresh_totp_code(device: TOTPDevice) -> str:
    """The code shown now, usable although a test used this time step's code already (a code
    is accepted once) or a wrong code made the device wait."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    device.refresh_from_db()
    return totp_code(device)


def pass_second_factor(page, user) -> None:
    """In a browser that signed in with the password and stands on the code step: type the
    code of the user's app."""
    if "/accounts/two-factor/" not in page.url:
        raise AssertionError(f"expected the second-factor step, got {page.url}")
    page.fill("#id_code", fresh_totp_code(totp_device_for(user)))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state("networkidle")
