"""Invitations never touch an existing account (security issue, item 1).

An organisation admin chooses the address an invitation goes to; whoever reads that
mailbox must not get control of an account that already exists: not by a look-alike of a
staff address, not by reactivating an off-boarded account, not by setting the password or
the names of a former contact.
"""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse

from accounts.models import Invitation, Membership, Role
from accounts.services import AccountError, invitation_accept, invitation_create, invitation_token
from tests.conftest import NOW
from tests.factories import PASSWORD, UserFactory

ATTACKER_PASSWORD = "an-attackers-passphrase-1"


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=True):
        yield


def accept_data(**overrides):
    data = {
        "first_name": "Mallory",
        "last_name": "Attacker",
        "time_zone": "UTC",
        "password1": ATTACKER_PASSWORD,
        "password2": ATTACKER_PASSWORD,
    }
    data.update(overrides)
    return data


def snapshot(user):
    user.refresh_from_db()
    return (user.password, user.first_name, user.last_name, user.email, user.is_active, user.is_staff)


def pending_invitation(organization, inviter, email, role=Role.ADMIN):
    """An invitation row as it could exist from before the fix (written without the service's checks)."""
    return Invitation.objects.create(
        organization=organization, email=email, role=role, invited_by=inviter, created_at=NOW
    )


# --- Look-alikes of a staff address ---------------------------------------------------


@pytest.mark.parametrize(
    "look_alike",
    [
        "erin.engineer@cont\u043eso.example",  # Cyrillic o in the domain
        "erin.engineer@xn--contso-zqf.example",  # the same, typed as punycode
        "er\u0131n.engineer@contoso.example",  # dotless i: PostgreSQL's upper() makes it I
        "erin.engineer\u200b@contoso.example",  # zero-width space
    ],
)
def test_a_look_alike_of_a_staff_address_is_refused(client, customer_admin, engineer, look_alike):
    before = snapshot(engineer)
    client.force_login(customer_admin)
    response = client.post(reverse("account_members"), {"email": look_alike, "role": "admin"})
    assert response.status_code == 400
    assert Invitation.objects.count() == 0
    assert snapshot(engineer) == before


def invite(client, email, role="admin"):
    response = client.post(reverse("account_members"), {"email": email, "role": role}, follow=True)
    text = response.content.decode().replace(email, "ADDRESS")
    return response.redirect_chain, response.status_code, text


@pytest.mark.parametrize(
    "spelling",
    ["erin.engineer@contoso.example", "Erin.Engineer@CONTOSO.example", "erin.engineer@\uff43ontoso.example"],
)
def test_a_staff_address_in_any_spelling_gets_the_answer_of_an_unknown_address(
    client, customer_admin, engineer, spelling, mailoutbox, django_capture_on_commit_callbacks
):
    # Issue 25, point 5: a 400 "cannot be invited" told staff addresses apart.
    client.force_login(customer_admin)
    with django_capture_on_commit_callbacks(execute=True):
        unknown = invite(client, "nobody.known@contoso.example")
    with django_capture_on_commit_callbacks(execute=True):
        staff = invite(client, spelling)
    assert staff[:2] == unknown[:2] == ([(reverse("account_members"), 302)], 200)
    assert "cannot be invited" not in staff[2]
    assert staff[2].count("We emailed an invitation to") == 1
    # The staff member gets no link, only a word to ask support.
    notice = mailoutbox[-1]
    assert notice.to == [engineer.email]
    assert "/accounts/invitation/" not in notice.body
    assert "ask our support team" in notice.body


def test_an_invitation_to_a_staff_address_cannot_be_accepted_even_signed_in(client, customer_admin, engineer):
    client.force_login(customer_admin)
    client.post(reverse("account_members"), {"email": engineer.email, "role": "admin"})
    invitation = Invitation.objects.get(email=engineer.email)
    client.force_login(engineer)
    client.post(reverse("invitation_accept", args=[invitation_token(invitation)]), {"time_zone": "UTC"})
    assert not Membership.objects.filter(user=engineer).exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_invitation_to_a_staff_address_never_sets_its_password(client, customer_admin, organization, engineer):
    before = snapshot(engineer)
    invitation = pending_invitation(organization, customer_admin, engineer.email.upper())
    url = reverse("invitation_accept", args=[invitation_token(invitation)])
    client.post(url, accept_data())
    assert snapshot(engineer) == before
    assert not Membership.objects.filter(user=engineer).exists()
    assert not client.login(request=HttpRequest(), username=engineer.username, password=ATTACKER_PASSWORD)
    assert client.get("/admin/").status_code == 302  # still signed out


# --- Off-boarded accounts -------------------------------------------------------------


def test_an_off_boarded_account_gets_the_answer_of_an_unknown_address(
    client, customer_admin, customer, mailoutbox, django_capture_on_commit_callbacks
):
    get_user_model().objects.filter(pk=customer.pk).update(is_active=False)
    Membership.objects.filter(user=customer).update(is_active=False)
    before = snapshot(customer)
    client.force_login(customer_admin)
    unknown = invite(client, "nobody.known@fabrikam.example", role="submitter")
    with django_capture_on_commit_callbacks(execute=True):
        off_boarded = invite(client, customer.email, role="submitter")
    assert off_boarded[:2] == unknown[:2] == ([(reverse("account_members"), 302)], 200)
    assert "cannot be invited" not in off_boarded[2]
    assert "We emailed an invitation to ADDRESS" in off_boarded[2]
    assert "/accounts/invitation/" not in mailoutbox[-1].body
    assert snapshot(customer) == before


def test_an_invitation_cannot_reactivate_an_off_boarded_engineer(client, customer_admin, organization, engineer):
    get_user_model().objects.filter(pk=engineer.pk).update(is_active=False)
    before = snapshot(engineer)
    invitation = pending_invitation(organization, customer_admin, engineer.email)
    url = reverse("invitation_accept", args=[invitation_token(invitation)])
    client.post(url, accept_data())
    assert snapshot(engineer) == before
    assert snapshot(engineer)[4] is False
    with pytest.raises(AccountError):
        invitation_accept(
            token=invitation_token(invitation),
            first_name="M",
            last_name="A",
            password=ATTACKER_PASSWORD,
            time_zone="UTC",
            now=NOW,
        )
    assert snapshot(engineer) == before


# --- An existing account: sign in first ------------------------------------------------


@pytest.fixture
def former_contact(customer):
    Membership.objects.filter(user=customer).update(is_active=False)
    return customer


@pytest.fixture
def invitation_of_former_contact(customer_admin, organization, former_contact):
    return invitation_create(
        organization=organization, email=former_contact.email, role=Role.VIEWER, invited_by=customer_admin, now=NOW
    )


def test_an_existing_account_is_asked_to_sign_in_first(client, former_contact, invitation_of_former_contact):
    before = snapshot(former_contact)
    url = reverse("invitation_accept", args=[invitation_token(invitation_of_former_contact)])
    page = client.get(url).content.decode()
    assert "password1" not in page
    assert "first_name" not in page
    assert f"{reverse('login')}?next=" in page
    response = client.post(url, accept_data())  # whoever holds the link, without signing in
    assert response.status_code in (302, 403)
    assert snapshot(former_contact) == before
    invitation_of_former_contact.refresh_from_db()
    assert invitation_of_former_contact.accepted_at is None
    assert Membership.objects.get(user=former_contact).is_active is False


def test_signed_in_as_someone_else_the_invitation_is_refused(
    client, former_contact, invitation_of_former_contact, colleague
):
    before = snapshot(former_contact)
    client.force_login(colleague)
    url = reverse("invitation_accept", args=[invitation_token(invitation_of_former_contact)])
    client.post(url, accept_data())
    assert snapshot(former_contact) == before
    assert Membership.objects.get(user=former_contact).is_active is False
    assert Membership.objects.get(user=colleague).role == Role.SUBMITTER


def test_signed_in_as_that_account_the_membership_is_added_and_nothing_else_changes(
    client, former_contact, invitation_of_former_contact, organization
):
    get_user_model().objects.filter(pk=former_contact.pk).update(first_name="Carl", last_name="Original")
    before = snapshot(former_contact)
    client.force_login(former_contact)
    url = reverse("invitation_accept", args=[invitation_token(invitation_of_former_contact)])
    assert client.get(url).status_code == 200
    response = client.post(url, accept_data(time_zone="Europe/Berlin"))
    assert response.status_code == 302
    membership = Membership.objects.get(user=former_contact)
    assert (membership.organization, membership.role, membership.is_active, membership.time_zone) == (
        organization,
        Role.VIEWER,
        True,
        "Europe/Berlin",
    )
    assert snapshot(former_contact) == before
    assert former_contact.check_password(PASSWORD)


# --- One normalised form, unique -------------------------------------------------------


def test_addresses_are_stored_normalised(client, customer_admin):
    client.force_login(customer_admin)
    client.post(reverse("account_members"), {"email": "  Nina.New@Fabrikam.EXAMPLE ", "role": "submitter"})
    client.post(reverse("account_members"), {"email": "anna@B\u00fccher.example", "role": "submitter"})
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "anna@xn--bcher-kva.example",
        "nina.new@fabrikam.example",
    ]
    invitation = Invitation.objects.get(email="nina.new@fabrikam.example")
    client.logout()
    client.post(reverse("invitation_accept", args=[invitation_token(invitation)]), accept_data(first_name="Nina"))
    user = get_user_model().objects.get(membership__organization=invitation.organization, first_name="Nina")
    assert (user.email, user.username) == ("nina.new@fabrikam.example", "nina.new@fabrikam.example")


def test_two_accounts_cannot_share_an_address_in_any_case(db):
    UserFactory(username="first", email="same@contoso.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="second", email="Same@Contoso.example")
    UserFactory(username="third", email="")
    UserFactory(username="fourth", email="")  # accounts without an address are not compared


# --- No hint of another organisation ---------------------------------------------------


def test_the_invitation_form_gives_no_hint_of_another_organisation(client, customer_admin, outsider):
    client.force_login(customer_admin)
    theirs = client.post(reverse("account_members"), {"email": outsider.email, "role": "submitter"}, follow=True)
    nobodys = client.post(
        reverse("account_members"), {"email": "nobody@else.example", "role": "submitter"}, follow=True
    )
    assert theirs.status_code == nobodys.status_code == 200
    content = theirs.content.decode()
    assert "another organisation" not in content
    assert outsider.membership.organization.name not in content
    assert "We emailed an invitation to" in content


# --- Other write paths -----------------------------------------------------------------


def test_the_admin_stores_an_address_normalised_and_refuses_look_alikes_and_duplicates(
    admin_client, customer, colleague
):
    url = reverse("admin:auth_user_change", args=[customer.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("groups", "user_permissions")}
    data.update({"date_joined_0": "2026-01-01", "date_joined_1": "00:00:00", "is_active": "on"})
    data.pop("last_login", None)
    data.pop("date_joined", None)
    data.pop("password", None)
    refused = admin_client.post(url, {**data, "email": "carl@fabrik\u0430m.example"})
    assert refused.status_code == 200
    assert "look like other letters" in refused.content.decode()
    taken = admin_client.post(url, {**data, "email": colleague.email.upper()})
    assert "Another account has this email address." in taken.content.decode()
    saved = admin_client.post(url, {**data, "email": "Carl.New@Fabrikam.EXAMPLE"})
    assert saved.status_code == 302
    customer.refresh_from_db()
    assert customer.email == "carl.new@fabrikam.example"
