"""The authentication backend (the contact's membership comes with the user) and the
viewer's time zone and language, kept in the session."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone, translation

from accounts.auth import PREFERENCES_SESSION_KEY, PortalBackend, user_with_membership
from accounts.models import Membership, StaffProfile
from portal.middleware import ViewerMiddleware
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_user_comes_with_membership_organisation_and_region_in_one_query(
    customer, organization, django_assert_num_queries
):
    with django_assert_num_queries(1):
        user = PortalBackend().get_user(str(customer.pk))  # the session stores the key as text
        membership = user.membership
        assert (membership.organization, membership.organization.region) == (organization, organization.region)
        assert membership.user is user


def test_an_engineer_is_one_query_and_reads_no_membership_again(engineer, django_assert_num_queries):
    # The profile (a time zone) is read when they sign in, into their session: not per request.
    with django_assert_num_queries(1):
        user = PortalBackend().get_user(engineer.pk)
        assert getattr(user, "membership", None) is None


def test_an_engineers_time_zone_comes_from_their_profile_when_they_sign_in(client, engineer):
    StaffProfile.objects.filter(user=engineer).update(time_zone="Europe/Berlin")
    client.force_login(engineer)
    assert client.session[PREFERENCES_SESSION_KEY] == {"time_zone": "Europe/Berlin", "language": None}


def test_a_user_without_membership_raises_as_the_orm_does(engineer):
    user = user_with_membership(engineer.pk)
    with pytest.raises(Membership.DoesNotExist):
        user.membership  # noqa: B018 - the descriptor raises


def test_an_inactive_or_missing_user_is_nobody(customer):
    get_user_model().objects.filter(pk=customer.pk).update(is_active=False)
    assert PortalBackend().get_user(customer.pk) is None
    assert PortalBackend().get_user(987_654) is None
    assert user_with_membership(987_654) is None


def test_signing_in_through_the_form_uses_the_backend(client, customer):
    response = client.post("/accounts/login/", {"username": customer.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_backend"] == "accounts.auth.PortalBackend"


# --- The viewer's preferences ride in the session ----------------------------------------


def test_signing_in_keeps_the_contacts_time_zone_and_language_in_the_session(client, customer):
    Membership.objects.filter(user=customer).update(time_zone="Europe/Berlin", language="de")
    client.post("/accounts/login/", {"username": customer.username, "password": PASSWORD})
    assert client.session[PREFERENCES_SESSION_KEY] == {"time_zone": "Europe/Berlin", "language": "de"}


def test_the_session_keeps_what_the_database_says_not_a_stale_object(client, customer):
    customer.membership  # noqa: B018 - loaded (and cached on the object) before the change
    Membership.objects.filter(user=customer).update(time_zone="Asia/Tokyo")
    client.force_login(customer)
    assert client.session[PREFERENCES_SESSION_KEY]["time_zone"] == "Asia/Tokyo"


def test_an_engineer_keeps_their_zone_and_their_browsers_language(client, engineer):
    StaffProfile.objects.filter(user=engineer).update(time_zone="Asia/Tokyo")
    client.force_login(engineer)
    assert client.session[PREFERENCES_SESSION_KEY] == {"time_zone": "Asia/Tokyo", "language": None}


class Untouchable:
    """A user the middleware must not read (reading it would be the user query)."""

    def __getattr__(self, name):
        raise AssertionError(f"the middleware read user.{name}")


def test_the_middleware_reads_the_preferences_from_the_session_not_the_user(rf):
    from django.contrib.sessions.backends.cache import SessionStore

    request = rf.get("/")
    request.session = SessionStore()
    request.session[PREFERENCES_SESSION_KEY] = {"time_zone": "Asia/Tokyo", "language": "de"}
    request.user = Untouchable()
    seen = {}

    def view(request):
        seen.update(zone=timezone.get_current_timezone_name(), language=translation.get_language())
        return HttpResponse()

    with translation.override("en"):
        ViewerMiddleware(view)(request)
    assert seen == {"zone": "Asia/Tokyo", "language": "de"}
    assert request.LANGUAGE_CODE == "de"


def test_a_session_without_preferences_gets_them_from_the_user_once(client, customer):
    Membership.objects.filter(user=customer).update(language="da")
    client.force_login(customer)
    session = client.session
    del session[PREFERENCES_SESSION_KEY]
    session.save()
    response = client.get(reverse("incidents:list"), headers={"accept-language": "en"})
    assert response["Content-Language"] == "da"
    assert client.session[PREFERENCES_SESSION_KEY] == {"time_zone": "America/Los_Angeles", "language": "da"}


def test_a_language_the_site_does_not_offer_is_ignored(client, customer):
    client.force_login(customer)
    session = client.session
    session[PREFERENCES_SESSION_KEY] = {"time_zone": "Nowhere/Else", "language": "xx"}
    session.save()
    response = client.get(reverse("incidents:list"), headers={"accept-language": "en"})
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
