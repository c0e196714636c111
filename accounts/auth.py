"""Authentication backend: Django's, with the rows every signed-in page reads."""

from __future__ import annotations

import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser
from django.db import connections

from accounts import rows
from accounts.models import Membership, Organization, StaffProfile
from sla.models import SupportRegion


class PortalBackend(ModelBackend):
    """`ModelBackend` whose `get_user` (once per request) also loads the contact's
    membership with its organisation and region, and an engineer's profile: one query where
    the time-zone middleware and the customer's pages would otherwise make four.

    The query is written by hand (`accounts.rows`): on every request, the ORM's compile of
    this five-table `select_related` cost ten times its round trip."""

    def get_user(self, user_id: object) -> AbstractBaseUser | None:
        user = user_with_membership(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def user_with_membership(user_id: object, *, using: str = "default") -> AbstractBaseUser | None:
    """The user with `user.membership` (its organisation and region) and `user.staff_profile`
    loaded, as `select_related("membership__organization__region", "staff_profile")` gives
    them; None if there is no such user."""
    user_model = get_user_model()
    pk = user_model._meta.pk
    with connections[using].cursor() as cursor:
        cursor.execute(_user_sql(using), [pk.get_db_prep_value(pk.to_python(user_id), connections[using])])
        row = cursor.fetchone()
    if row is None:
        return None
    user, membership, organization, region, staff_profile = rows.instances(row, _user_models(), using=using)
    if membership is not None:
        if organization is not None:
            rows.related_cache_set(organization, "region", region)
        rows.related_cache_set(membership, "organization", organization)
        rows.related_cache_set(membership, "user", user)
    if staff_profile is not None:
        rows.related_cache_set(staff_profile, "user", user)
    rows.related_cache_set(user, "membership", membership)
    rows.related_cache_set(user, "staff_profile", staff_profile)
    return user


def _user_models() -> tuple:  # the user model is known only once the apps are ready
    return (get_user_model(), Membership, Organization, SupportRegion, StaffProfile)


@functools.cache
def _user_sql(using: str) -> str:
    user_model, membership, organization, region, staff_profile = _user_models()
    quote = connections[using].ops.quote_name

    def column(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    select = ", ".join(
        rows.select_list(model, alias, using=using)
        for model, alias in zip(_user_models(), ("u", "m", "o", "r", "s"), strict=True)
    )
    user_pk = quote(user_model._meta.pk.column)
    # Only names from the models' _meta, quoted by the backend; the user id is a parameter.
    return (
        f"SELECT {select} FROM {rows.table(user_model, using=using)} u"  # noqa: S608
        f" LEFT JOIN {rows.table(membership, using=using)} m ON m.{column(membership, 'user')} = u.{user_pk}"
        f" LEFT JOIN {rows.table(organization, using=using)} o"
        f" ON o.{quote(organization._meta.pk.column)} = m.{column(membership, 'organization')}"
        f" LEFT JOIN {rows.table(region, using=using)} r"
        f" ON r.{quote(region._meta.pk.column)} = o.{column(organization, 'region')}"
        f" LEFT JOIN {rows.table(staff_profile, using=using)} s ON s.{column(staff_profile, 'user')} = u.{user_pk}"
        f" WHERE u.{user_pk} = %s"
    )
