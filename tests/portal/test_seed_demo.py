"""`manage.py seed_demo` builds the whole demo and is safe to run twice."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import DEMO_LOGINS, DEMO_PASSWORD, demo_totp_secret
from accounts.entitlements import contract_incidents_used
from accounts.models import Contract, Membership, Organization
from cfmd.models import EvidenceRecord
from escalation.models import EscalationContact
from incidents.models import Incident, IncidentStatus
from knowledgebase.models import Article
from lifecycle.models import ProductVersion

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Organization,
            Membership,
            Contract,
            Incident,
            Article,
            ProductVersion,
            EscalationContact,
            EvidenceRecord,
        )
    }


@pytest.fixture
def demo_debug(settings):
    settings.DEBUG = True  # as `make demo` runs it


def test_seed_demo_builds_every_area_and_is_safe_to_run_twice(django_user_model, demo_debug):
    call_command("seed_demo", stdout=io.StringIO())
    first = counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == first
    assert all(first.values()), first
    assert set(Incident.objects.values_list("status", flat=True)) >= {
        IncidentStatus.NEW,
        IncidentStatus.IN_PROGRESS,
        IncidentStatus.RESOLVED,
        IncidentStatus.CLOSED,
    }
    for _role, username in DEMO_LOGINS:
        assert django_user_model.objects.filter(username=username).exists(), username
    # The demo customer can still file incidents after the seeded ones.
    fabrikam = Contract.objects.get(organization__name="Fabrikam Inc.")
    assert fabrikam.incidents_allotted - contract_incidents_used(fabrikam) >= 5


def test_the_banner_prints_the_url_and_every_demo_login(demo_debug):
    out = io.StringIO()
    call_command("seed_demo", "--banner", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000/" in text
    for _role, username in DEMO_LOGINS:
        assert username in text
    # Staff need a code after the password: the banner gives the demo staff's key.
    assert demo_totp_secret() in text
    assert "otpauth://totp/" in text


@pytest.mark.two_factor
def test_demo_staff_have_the_published_authenticator_key_and_sign_in_with_its_code(client, demo_debug):
    from django_otp.oath import TOTP

    call_command("seed_demo", stdout=io.StringIO())
    for _role, username in DEMO_LOGINS[-4:]:  # engineer, lead, manager, superuser
        assert TOTPDevice.objects.get(user__username=username, confirmed=True).key
    assert client.post("/admin/login/?next=/admin/", {"username": "erin", "password": DEMO_PASSWORD}).status_code == 302
    assert client.get("/admin/").status_code == 302  # the code first
    code = TOTP(base64.b32decode(demo_totp_secret())).token()
    response = client.post("/accounts/two-factor/", {"code": f"{code:06d}", "next": "/admin/"})
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_without_debug_seed_demo_refuses_unless_forced_and_then_publishes_no_password(django_user_model):
    with pytest.raises(CommandError, match="only with DEBUG=true"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not django_user_model.objects.exists()
    out = io.StringIO()
    call_command("seed_demo", "--force-without-debug", stdout=out)
    admin = django_user_model.objects.get(username="admin")
    assert admin.is_superuser
    assert not admin.has_usable_password()
    assert not django_user_model.objects.filter(password__startswith="pbkdf2").exists()
    assert not TOTPDevice.objects.exists()  # staff set up their own app at their first sign-in
    call_command("seed_demo", "--banner", "--force-without-debug", stdout=out)
    assert DEMO_PASSWORD not in out.getvalue()
    assert demo_totp_secret() not in out.getvalue()
