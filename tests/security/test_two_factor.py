"""The second factor: every staff account (engineer, lead, manager, superuser) passes an
authenticator-app code or a one-time recovery code after the password before any admin
page; a staff member without a device enrols first; a wrong code is refused; `otp_reset`
removes a lost device; a customer who turned it on is asked for a code, and an organisation
that requires it sends its members to enrolment. The password step keeps its lockout.

These tests sign in through the real forms: the `two_factor` marker turns off the suite's
shortcut that marks staff test sessions as verified (tests/conftest.py)."""

from __future__ import annotations

import base64
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from tests.factories import PASSWORD, MemberFactory, StaffFactory
from tests.two_factor import fresh_totp_code, totp_device_for

pytestmark = [pytest.mark.django_db, pytest.mark.two_factor]

ADMIN_QUEUE = "/admin/incidents/incident/"


def sign_in(client, user, url=None, password=PASSWORD, next_url=ADMIN_QUEUE):
    """The password step, on the admin's sign-in page (or the site's)."""
    url = url or reverse("admin:login")
    return client.post(f"{url}?next={next_url}", {"username": user.username, "password": password, "next": next_url})


def code_of(secret: str) -> str:
    """The code an app shows now for a key as the enrolment page shows it."""
    return f"{TOTP(base64.b32decode(secret.replace(' ', ''))).token():06d}"


def enter_code(client, code, next_url=ADMIN_QUEUE):
    return client.post(reverse("two_factor_verify"), {"code": code, "next": next_url})


@pytest.fixture
def manager(db):
    return StaffFactory(username="mark.manager", group="Support managers")


@pytest.fixture
def superuser(db):
    return StaffFactory(username="ada.admin", group="Support managers", superuser=True)


@pytest.mark.parametrize("persona", ["engineer", "lead", "manager", "superuser"])
def test_a_password_alone_does_not_open_the_admin_for_any_staff_role(client, request, persona):
    user = request.getfixturevalue(persona)
    totp_device_for(user)
    response = sign_in(client, user)
    assert response.status_code == 302  # the password was right
    for url in (ADMIN_QUEUE, "/admin/", "/admin/auth/user/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("two_factor_verify")), url
    assert client.get("/api/v1/incidents/").status_code == 403  # nor the API with the session
    response = enter_code(client, fresh_totp_code(totp_device_for(user)))
    assert response.status_code == 302
    assert response.url == ADMIN_QUEUE
    assert client.get(ADMIN_QUEUE).status_code == 200


def test_signing_in_on_the_site_then_opening_the_admin_asks_for_the_code(client, engineer):
    totp_device_for(engineer)
    response = sign_in(client, engineer, url=reverse("login"), next_url="/incidents/")
    assert response.status_code == 302
    response = client.get("/admin/")
    assert response.url == f"{reverse('two_factor_verify')}?next=%2Fadmin%2F"
    assert client.get("/incidents/").status_code == 302  # no page of the site either
    assert enter_code(client, fresh_totp_code(totp_device_for(engineer)), next_url="/admin/").url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_is_refused(client, engineer):
    device = totp_device_for(engineer)
    sign_in(client, engineer)
    right = fresh_totp_code(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = enter_code(client, wrong)
    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    assert client.get(ADMIN_QUEUE).status_code == 302
    # A wrong code makes the device wait before the next check (django-otp's throttling).
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_a_code_is_accepted_once(client, engineer):
    device = totp_device_for(engineer)
    code = fresh_totp_code(device)
    sign_in(client, engineer)
    assert enter_code(client, code).status_code == 302
    client.post(reverse("logout"))
    sign_in(client, engineer)
    assert enter_code(client, code).status_code == 400  # replayed within its 30 seconds


def test_a_staff_member_without_a_device_enrols_and_gets_ten_recovery_codes(client, lead):
    sign_in(client, lead)
    response = client.get(ADMIN_QUEUE, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("two_factor_enrol"))
    page = response.content.decode()
    assert reverse("two_factor_qr") in page
    secret = response.context["secret"].replace(" ", "")
    assert secret
    assert secret in page.replace(" ", "")
    qr = client.get(reverse("two_factor_qr"))
    assert qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content
    assert b"<script" not in qr.content
    # The app's first code confirms it; a wrong one does not.
    assert client.post(reverse("two_factor_enrol"), {"code": "000000", "next": ADMIN_QUEUE}).status_code == 400
    code = code_of(secret)
    response = client.post(reverse("two_factor_enrol"), {"code": code, "next": ADMIN_QUEUE})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    for recovery_code in codes:
        assert recovery_code in response.content.decode()
    assert TOTPDevice.objects.get(user=lead).confirmed
    assert client.get(ADMIN_QUEUE).status_code == 200  # the session passed the second factor
    # The codes are shown once: the enrolment page does not come back for a confirmed device.
    assert client.get(reverse("two_factor_enrol")).status_code == 302


def test_a_password_alone_cannot_enrol_another_device(client, engineer):
    totp_device_for(engineer)
    sign_in(client, engineer)
    response = client.get(reverse("two_factor_enrol"))
    assert response.url.startswith(reverse("two_factor_verify"))
    assert client.post(reverse("two_factor_enrol"), {"code": "123456"}).status_code == 302
    assert TOTPDevice.objects.filter(user=engineer).count() == 1
    assert client.get(reverse("two_factor_qr")).status_code == 404


def test_a_recovery_code_works_once(client, engineer):
    from accounts.two_factor import recovery_codes_create

    totp_device_for(engineer)
    codes = recovery_codes_create(user=engineer)
    sign_in(client, engineer)
    assert enter_code(client, codes[0].upper()).url == ADMIN_QUEUE
    assert client.get(ADMIN_QUEUE).status_code == 200
    assert StaticToken.objects.filter(device__user=engineer).count() == 9
    client.post(reverse("logout"))
    sign_in(client, engineer)
    assert enter_code(client, codes[0]).status_code == 400
    assert client.get(ADMIN_QUEUE).status_code == 302


def test_otp_reset_removes_the_device_and_the_codes_and_the_next_sign_in_enrols(client, engineer):
    from accounts.two_factor import recovery_codes_create

    totp_device_for(engineer)
    recovery_codes_create(user=engineer)
    out = io.StringIO()
    call_command("otp_reset", engineer.username, stdout=out)
    assert "1 authenticator app(s) and 10 unused recovery code(s)" in out.getvalue()
    assert "sets up a new authenticator app at their next sign-in" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=engineer).exists()
    assert not StaticToken.objects.filter(device__user=engineer).exists()
    sign_in(client, engineer)
    response = client.get(ADMIN_QUEUE, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("two_factor_enrol"))
    out = io.StringIO()
    call_command("otp_reset", engineer.username, stdout=out)
    assert "nothing removed" in out.getvalue()


def test_otp_reset_signs_the_person_out_everywhere_so_a_held_session_cannot_set_up_a_new_app(
    client, engineer, other_engineer
):
    """The lost phone's browser may still hold a signed-in session: after the reset it must
    not be able to enrol an app of its own. Other people's sessions stay signed in."""
    from django.test import Client

    device = totp_device_for(engineer)
    sign_in(client, engineer)
    enter_code(client, fresh_totp_code(device))
    assert client.get(ADMIN_QUEUE).status_code == 200
    colleague = Client()
    colleague.force_login(other_engineer)
    colleague_session = colleague.session.session_key
    out = io.StringIO()
    call_command("otp_reset", engineer.username, stdout=out)
    assert "Signed out 1 session(s)" in out.getvalue()
    held = client.get(reverse("two_factor_enrol"))
    assert held.status_code == 302
    assert held.url.startswith(reverse("login"))  # the password again, not a new app
    assert not TOTPDevice.objects.filter(user=engineer).exists()
    from django.contrib.sessions.models import Session

    assert Session.objects.filter(session_key=colleague_session).exists()


def test_otp_reset_names_an_unknown_login():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No account"):
        call_command("otp_reset", "nobody")


def test_the_password_step_keeps_its_lockout(client, engineer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
    totp_device_for(engineer)
    for _ in range(2):
        sign_in(client, engineer, password="wrong-password")
    response = sign_in(client, engineer)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_customer_without_a_device_signs_in_with_the_password(client, customer):
    sign_in(client, customer, url=reverse("login"), next_url="/incidents/")
    assert client.get("/incidents/").status_code == 200


@pytest.mark.parametrize("url", ["/accounts/", "/accounts/members/", "/accounts/api-tokens/", "/accounts/password/"])
def test_the_account_pages_wait_for_the_second_factor_too(client, customer, organization, url):
    organization.requires_two_factor = True
    organization.save()
    totp_device_for(customer)
    sign_in(client, customer, url=reverse("login"), next_url="/incidents/")
    assert client.get(url).url.startswith(reverse("two_factor_verify"))


def test_a_customer_turns_it_on_and_is_then_asked_for_a_code(client, customer):
    sign_in(client, customer, url=reverse("login"), next_url="/incidents/")
    account = client.get(reverse("account")).content.decode()
    assert reverse("two_factor_enrol") in account
    secret = client.get(reverse("two_factor_enrol")).context["secret"]
    response = client.post(reverse("two_factor_enrol"), {"code": code_of(secret)})
    assert len(response.context["codes"]) == 10
    device = TOTPDevice.objects.get(user=customer)
    assert "Turn off two-step verification" in client.get(reverse("account")).content.decode()
    client.post(reverse("logout"))

    sign_in(client, customer, url=reverse("login"), next_url="/incidents/")
    response = client.get("/incidents/")
    assert response.url.startswith(reverse("two_factor_verify"))
    assert enter_code(client, fresh_totp_code(device), next_url="/incidents/").url == "/incidents/"
    assert client.get("/incidents/").status_code == 200

    # Turned off again (their organisation does not require it): the password is enough.
    client.post(reverse("two_factor_off"))
    assert not TOTPDevice.objects.filter(user=customer).exists()
    client.post(reverse("logout"))
    sign_in(client, customer, url=reverse("login"), next_url="/incidents/")
    assert client.get("/incidents/").status_code == 200


def test_an_organisation_that_requires_it_sends_members_to_enrolment(client, customer_admin, customer, organization):
    sign_in(client, customer_admin, url=reverse("login"), next_url="/incidents/")
    client.post(reverse("account_two_factor_require"), {"requires_two_factor": "on"})
    organization.refresh_from_db()
    assert organization.requires_two_factor
    # The admin who turned it on is sent to enrolment from their next page too.
    assert client.get("/incidents/", follow=True).redirect_chain[-1][0].startswith(reverse("two_factor_enrol"))
    client.post(reverse("logout"))

    sign_in(client, customer, url=reverse("login"), next_url="/incidents/")
    response = client.get("/incidents/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("two_factor_enrol"))
    assert response.context["required"]
    # Only the organisation's admins may change it; members cannot turn it off.
    assert client.post(reverse("account_two_factor_require"), {}).status_code == 302  # to enrolment first
    organization.refresh_from_db()
    assert organization.requires_two_factor


def test_a_member_of_an_organisation_that_requires_it_cannot_turn_it_off(client, customer, organization):
    organization.requires_two_factor = True
    organization.save()
    device = totp_device_for(customer)
    sign_in(client, customer, url=reverse("login"), next_url="/incidents/")
    enter_code(client, fresh_totp_code(device), next_url="/incidents/")
    response = client.post(reverse("two_factor_off"), follow=True)
    assert "Your organisation requires two-step verification." in response.content.decode()
    assert TOTPDevice.objects.filter(user=customer).exists()


def test_a_viewer_cannot_require_it_for_the_organisation(client, organization):
    viewer = MemberFactory(organization=organization, role=Role.VIEWER, email="vic.viewer@fabrikam.example")
    sign_in(client, viewer, url=reverse("login"), next_url="/incidents/")
    assert client.post(reverse("account_two_factor_require"), {"requires_two_factor": "on"}).status_code == 403
    organization.refresh_from_db()
    assert not organization.requires_two_factor


# --- New recovery codes --------------------------------------------------------------------

RECOVERY = reverse("two_factor_recovery_codes")


def test_staff_make_new_recovery_codes_with_a_current_app_code_and_the_old_ones_stop_working(client, engineer):
    from accounts.two_factor import recovery_codes_create

    device = totp_device_for(engineer)
    old = recovery_codes_create(user=engineer)
    sign_in(client, engineer)
    enter_code(client, fresh_totp_code(device))
    page = client.get(f"{RECOVERY}?next=/admin/")
    assert page.status_code == 200
    assert "You have 10 unused recovery codes." in page.content.decode()
    assert reverse("two_factor_recovery_codes") in client.get("/admin/").content.decode()  # linked from the admin
    answer = client.post(RECOVERY, {"code": fresh_totp_code(device), "next": "/admin/"})
    assert answer.status_code == 200
    new = list(answer.context["codes"])
    assert len(new) == 10
    assert not set(new) & set(old)
    assert answer["Cache-Control"].count("no-store")  # shown once, kept nowhere
    stored = set(StaticToken.objects.filter(device__user=engineer).values_list("token", flat=True))
    assert stored == set(new)
    client.post(reverse("logout"))
    sign_in(client, engineer)
    assert enter_code(client, old[0]).status_code == 400
    # The wrong code made the recovery codes wait a moment before the next try (django-otp).
    StaticDevice.objects.filter(user=engineer).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    assert enter_code(client, new[0]).url == ADMIN_QUEUE


def test_new_recovery_codes_need_a_current_app_code_not_a_recovery_code_or_a_used_one(client, engineer):
    from accounts.two_factor import recovery_codes_create

    device = totp_device_for(engineer)
    codes = recovery_codes_create(user=engineer)
    sign_in(client, engineer)
    used = fresh_totp_code(device)
    enter_code(client, used)
    for wrong in (codes[1], used, "000000", ""):
        answer = client.post(RECOVERY, {"code": wrong})
        assert answer.status_code == 400, wrong
        assert answer.context.get("codes") is None
    assert set(StaticToken.objects.filter(device__user=engineer).values_list("token", flat=True)) == set(codes)


def test_new_recovery_codes_wait_for_the_second_factor_and_need_an_app(client, engineer, customer):
    totp_device_for(engineer)
    assert client.get(RECOVERY).url.startswith(reverse("login"))  # anonymous: sign in first
    sign_in(client, engineer)
    response = client.post(RECOVERY, {"code": "123456"})  # the password alone
    assert response.status_code == 302
    assert response.url.startswith(reverse("two_factor_verify"))
    client.post(reverse("logout"))
    client.force_login(customer)  # no authenticator app: set one up first
    assert client.get(RECOVERY).url.startswith(reverse("two_factor_enrol"))


def test_a_customer_with_two_step_verification_finds_new_recovery_codes_on_the_account_page(client, customer):
    device = totp_device_for(customer)
    sign_in(client, customer, url=reverse("login"), next_url=reverse("account"))
    enter_code(client, fresh_totp_code(device), next_url=reverse("account"))
    page = client.get(reverse("account")).content.decode()
    assert f"{RECOVERY}?next={reverse('account')}" in page
    answer = client.post(RECOVERY, {"code": fresh_totp_code(device), "next": reverse("account")})
    assert len(answer.context["codes"]) == 10
    assert f'href="{reverse("account")}"' in answer.content.decode()  # Continue goes back there


# --- Enrolment bound to one session; after otp_reset, a fresh proof (issue 25, point 2) -----


def enrol_page(client):
    response = client.get(reverse("two_factor_enrol"))
    assert response.status_code == 200, response.get("Location")
    return response.context["secret"]


def test_each_session_gets_its_own_key_and_only_the_first_confirmed_counts(lead):
    # The capture of issue 25: an attacker with the password and the person were shown the
    # same pending key; the person confirmed it, and the attacker's phone had it too.
    from django.test import Client

    victim, attacker = Client(), Client()
    sign_in(victim, lead)
    sign_in(attacker, lead)
    victim_key, attacker_key = enrol_page(victim), enrol_page(attacker)
    assert victim_key != attacker_key
    assert enrol_page(victim) == victim_key  # the page shown again keeps this session's key
    assert victim.post(reverse("two_factor_enrol"), {"code": code_of(victim_key)}).status_code == 200
    response = attacker.post(reverse("two_factor_enrol"), {"code": code_of(attacker_key)})
    assert response.status_code == 302
    assert response.url.startswith(reverse("two_factor_verify"))
    [device] = TOTPDevice.objects.filter(user=lead)
    assert base64.b32encode(device.bin_key).decode() == victim_key.replace(" ", "")
    # A code from the attacker's key does not pass the second factor either.
    assert enter_code(attacker, code_of(attacker_key)).status_code == 400
    assert attacker.get(ADMIN_QUEUE).status_code == 302


def test_a_pending_key_expires(client, lead):
    import time_machine

    with time_machine.travel(dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC), tick=False) as traveller:
        sign_in(client, lead)
        first = enrol_page(client)
        traveller.shift(dt.timedelta(minutes=16))
        assert client.post(reverse("two_factor_enrol"), {"code": code_of(first)}).status_code == 400
        assert enrol_page(client) != first
    assert not TOTPDevice.objects.filter(user=lead).exists()


@pytest.fixture
def reset_engineer(engineer):
    totp_device_for(engineer)
    call_command("otp_reset", engineer.username, stdout=io.StringIO())
    return engineer


def test_after_otp_reset_the_password_alone_cannot_enrol(client, reset_engineer):
    sign_in(client, reset_engineer)
    response = client.get(reverse("two_factor_enrol"))
    assert response.url.startswith(reverse("two_factor_proof"))
    assert client.post(reverse("two_factor_enrol"), {"code": "123456"}).url.startswith(reverse("two_factor_proof"))
    assert client.get(reverse("two_factor_qr")).status_code == 404
    assert "E-mail me a link" in client.get(reverse("two_factor_proof")).content.decode()
    assert not TOTPDevice.objects.filter(user=reset_engineer).exists()
    assert client.get(ADMIN_QUEUE).status_code == 302


@pytest.fixture
def link_mail(monkeypatch, mailoutbox, django_capture_on_commit_callbacks):
    """Ask for the link in a session and return it, as the worker e-mails it."""
    import re

    from accounts import tasks

    monkeypatch.setattr(tasks.two_factor_link_send, "delay", lambda **kwargs: tasks.two_factor_link_send(**kwargs))

    def ask(client) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(reverse("two_factor_proof")).status_code == 302
        return re.search(r"https?://\S+/two-factor/enrol/proof/\S+/", mailoutbox[-1].body).group(0)

    return ask


def test_after_otp_reset_the_emailed_link_lets_the_session_that_opens_it_enrol(
    client, reset_engineer, link_mail, mailoutbox
):
    from django.test import Client

    sign_in(client, reset_engineer)
    link = link_mail(client)
    assert mailoutbox[-1].to == [reset_engineer.email]
    path = link.split("://", 1)[1].partition("/")[2]
    attacker = Client()
    sign_in(attacker, reset_engineer)
    assert client.get(f"/{path}").url == reverse("two_factor_enrol")
    # Once: the link opened again (here by someone else with the password) proves nothing.
    assert attacker.get(f"/{path}").url == reverse("two_factor_proof")
    assert attacker.get(reverse("two_factor_enrol")).url.startswith(reverse("two_factor_proof"))
    key = enrol_page(client)
    assert client.post(reverse("two_factor_enrol"), {"code": code_of(key)}).status_code == 200
    assert client.get(ADMIN_QUEUE).status_code == 200
    assert TOTPDevice.objects.filter(user=reset_engineer, confirmed=True).count() == 1


def test_the_link_is_for_its_owner_only(client, reset_engineer, other_engineer, link_mail):
    from django.test import Client

    sign_in(client, reset_engineer)
    path = link_mail(client).split("://", 1)[1].partition("/")[2]
    stranger = Client()
    stranger.force_login(other_engineer)
    assert stranger.get(f"/{path}").url == reverse("two_factor_proof")
    tampered = path[:-2] + ("A" if path[-2] != "A" else "B") + "/"
    assert client.get(f"/{tampered}").url == reverse("two_factor_proof")
    assert client.get(f"/{path}").url == reverse("two_factor_enrol")


def test_after_otp_reset_a_staff_member_may_approve_enrolment_instead(client, reset_engineer, superuser):
    from django.test import Client

    from accounts.models import TwoFactorReenrolment

    approver = Client()
    sign_in(approver, superuser)
    enter_code(approver, fresh_totp_code(totp_device_for(superuser)))
    reenrolment = TwoFactorReenrolment.objects.get(user=reset_engineer)
    response = approver.post(
        reverse("admin:accounts_twofactorreenrolment_changelist"),
        {"action": "approve", "_selected_action": [reenrolment.pk]},
    )
    assert response.status_code == 302
    sign_in(client, reset_engineer)
    key = enrol_page(client)
    assert client.post(reverse("two_factor_enrol"), {"code": code_of(key)}).status_code == 200
    assert not TwoFactorReenrolment.objects.exists()  # the next reset needs a new proof


def test_the_link_cannot_flood_the_mailbox(client, reset_engineer, link_mail, mailoutbox, settings):
    settings.PASSWORD_RESET_EMAIL_RATE = "2/hour"
    sign_in(client, reset_engineer)
    link_mail(client)
    link_mail(client)
    response = client.post(reverse("two_factor_proof"), follow=True)
    assert "Try again in" in response.content.decode()
    assert len(mailoutbox) == 2
