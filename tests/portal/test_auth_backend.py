"""The authentication backend: the contact's membership comes with the user."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from accounts.auth import PortalBackend, user_with_membership

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
    assert client.session["_auth_user_backend"] == "accounts.auth.PortalBackend"


def orm_user(pk):
    """What the backend loaded before its query was written by hand."""
    return get_user_model().objects.select_related("membership__organization__region", "staff_profile").get(pk=pk)


def field_values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


@pytest.mark.parametrize("who", ["customer", "engineer", "plain"])
def test_the_hand_written_query_loads_what_the_orm_loads(who, customer, engineer, django_assert_num_queries):
    from django.utils import timezone

    from accounts.models import StaffProfile

    if who == "plain":
        user = get_user_model().objects.create_user("plain", "plain@example.com", "x")
    else:
        user = {"customer": customer, "engineer": engineer}[who]
    get_user_model().objects.filter(pk=user.pk).update(last_login=timezone.now(), first_name="Zoë")
    if who == "engineer":
        StaffProfile.objects.get_or_create(user=engineer, defaults={"time_zone": "Europe/Berlin", "phone": "+49 1"})
    expected = orm_user(user.pk)
    with django_assert_num_queries(1):
        loaded = user_with_membership(str(user.pk))  # the session stores the key as text
        assert field_values(loaded) == field_values(expected)
        assert loaded._state.adding is False
        assert loaded._state.db == "default"
        for name, related in (("membership", ("organization", "region")), ("staff_profile", ())):
            mine, theirs = getattr(loaded, name, None), getattr(expected, name, None)
            assert (mine is None) == (theirs is None)
            if mine is None:
                continue
            assert field_values(mine) == field_values(theirs)
            assert mine.user is loaded
            for step in related:
                mine, theirs = getattr(mine, step), getattr(theirs, step)
                assert field_values(mine) == field_values(theirs)
    assert type(loaded.last_login) is type(expected.last_login)
    assert loaded.last_login.tzinfo is not None


def test_a_user_without_membership_raises_as_the_orm_does(engineer):
    from accounts.models import Membership

    user = user_with_membership(engineer.pk)
    with pytest.raises(Membership.DoesNotExist):
        user.membership  # noqa: B018 - the descriptor raises
    assert user_with_membership(987_654) is None
