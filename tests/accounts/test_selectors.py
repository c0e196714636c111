"""membership_of: the one lookup of a signed-in person's customer membership."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.auth import PortalBackend
from accounts.models import Membership
from accounts.selectors import membership_of

pytestmark = pytest.mark.django_db


def test_a_contact_has_their_membership_without_another_query(customer, organization, django_assert_num_queries):
    user = PortalBackend().get_user(customer.pk)
    with django_assert_num_queries(0):
        membership = membership_of(user)
        assert membership.organization == organization


def test_visitors_engineers_and_revoked_contacts_have_none(customer, engineer):
    Membership.objects.filter(user=customer).update(is_active=False)
    assert membership_of(AnonymousUser()) is None
    assert membership_of(PortalBackend().get_user(engineer.pk)) is None
    assert membership_of(PortalBackend().get_user(customer.pk)) is None
