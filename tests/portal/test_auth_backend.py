"""The authentication backend: the contact's membership comes with the user."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from portal.auth import PortalBackend

pytestmark = pytest.mark.django_db


def test_the_user_comes_with_membership_organisation_and_region_in_one_query(
    customer, organization, django_assert_num_queries
):
    with django_assert_num_queries(1):
        user = PortalBackend().get_user(customer.pk)
        membership = user.membership
        assert (membership.organization, membership.organization.region) == (organization, organization.region)


def test_an_engineer_without_membership_is_loaded_and_reads_no_membership_again(engineer, django_assert_num_queries):
    user = PortalBackend().get_user(engineer.pk)
    with django_assert_num_queries(0):
        assert getattr(user, "membership", None) is None


def test_an_inactive_or_missing_user_is_nobody(customer):
    get_user_model().objects.filter(pk=customer.pk).update(is_active=False)
    assert PortalBackend().get_user(customer.pk) is None
    assert PortalBackend().get_user(987_654) is None


def test_signing_in_through_the_form_uses_the_backend(client, customer):
    from tests.factories import PASSWORD

    response = client.post("/accounts/login/", {"username": customer.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_backend"] == "portal.auth.PortalBackend"
