"""Contact roles: support and billing contacts beside the access roles, edited on the people page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.contacts import NoSupportContact, membership_set_contact_roles, support_contacts
from accounts.models import Membership
from accounts.services import AccountError, membership_revoke


def _roles(user) -> tuple[bool, bool]:
    m = Membership.objects.get(user=user)
    return m.is_support_contact, m.is_billing_contact


def test_an_admin_names_a_person_support_and_billing_contact(client, customer_admin, customer, organization):
    client.force_login(customer_admin)
    membership = Membership.objects.get(user=customer)
    response = client.post(
        reverse("account_member_contact_roles", args=[membership.pk]),
        {"is_support_contact": "on", "is_billing_contact": "on"},
        follow=True,
    )
    assert response.status_code == 200
    assert _roles(customer) == (True, True)
    assert list(support_contacts(organization)) == [membership]


def test_the_people_page_shows_the_contact_roles_and_asks_for_a_support_contact(client, customer_admin, customer):
    client.force_login(customer_admin)
    content = client.get(reverse("account_members")).content.decode()
    assert "Name at least one support contact." in content
    assert 'name="is_support_contact"' in content
    membership = Membership.objects.get(user=customer)
    membership_set_contact_roles(membership=membership, is_support_contact=True, is_billing_contact=False, by=customer)
    content = client.get(reverse("account_members")).content.decode()
    assert "Name at least one support contact." not in content
    assert 'class="data members stack"' in content  # the table still stacks on phones


def test_the_last_support_contact_cannot_drop_the_role_and_sees_why(client, customer_admin, customer):
    membership = Membership.objects.get(user=customer)
    membership_set_contact_roles(membership=membership, is_support_contact=True, is_billing_contact=True, by=customer)
    client.force_login(customer_admin)
    response = client.post(
        reverse("account_member_contact_roles", args=[membership.pk]), {"is_billing_contact": "on"}, follow=True
    )
    assert "Your organisation needs at least one support contact." in response.content.decode()
    assert _roles(customer) == (True, True)


def test_a_billing_contact_alone_is_refused_until_someone_is_support_contact(customer):
    membership = Membership.objects.get(user=customer)
    with pytest.raises(NoSupportContact):
        membership_set_contact_roles(
            membership=membership, is_support_contact=False, is_billing_contact=True, by=customer
        )
    assert _roles(customer) == (False, False)


def test_a_support_contact_hands_over_to_another(customer_admin, customer):
    mine = Membership.objects.get(user=customer_admin)
    theirs = Membership.objects.get(user=customer)
    membership_set_contact_roles(membership=mine, is_support_contact=True, is_billing_contact=False, by=customer_admin)
    membership_set_contact_roles(
        membership=theirs, is_support_contact=True, is_billing_contact=False, by=customer_admin
    )
    membership_set_contact_roles(membership=mine, is_support_contact=False, is_billing_contact=True, by=customer_admin)
    assert _roles(customer_admin) == (False, True)
    assert _roles(customer) == (True, False)


def test_the_last_support_contact_cannot_lose_access(customer_admin, customer):
    membership = Membership.objects.get(user=customer)
    membership_set_contact_roles(membership=membership, is_support_contact=True, is_billing_contact=False, by=customer)
    with pytest.raises(AccountError, match="at least one support contact"):
        membership_revoke(membership=membership, by=customer_admin)
    membership.refresh_from_db()
    assert membership.is_active


def test_an_admin_cannot_set_contact_roles_in_another_organisation(client, customer_admin, outsider):
    client.force_login(customer_admin)
    theirs = Membership.objects.get(user=outsider)
    url = reverse("account_member_contact_roles", args=[theirs.pk])
    assert client.post(url, {"is_support_contact": "on"}).status_code == 404
    assert _roles(outsider) == (False, False)


def test_a_submitter_cannot_set_contact_roles(client, customer, customer_admin):
    client.force_login(customer)
    url = reverse("account_member_contact_roles", args=[Membership.objects.get(user=customer_admin).pk])
    assert client.post(url, {"is_support_contact": "on"}).status_code == 403
