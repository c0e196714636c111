"""Reads on accounts: who a signed-in person is for the customer's pages."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from accounts.emails import email_canonical
from accounts.models import Membership


def membership_of(user: object) -> Membership | None:
    """The person's active membership of a customer organisation; None for a visitor, an
    engineer without one, or a contact whose access was revoked.

    Reads `user.membership`, which the authentication backend loads with the user (and its
    organisation and region) in the request's one user query."""
    if not getattr(user, "is_authenticated", False):
        return None
    membership = getattr(user, "membership", None)  # the reverse one-to-one raises when absent
    if membership is None or not membership.is_active:
        return None
    return membership


def membership_current(user: AbstractBaseUser) -> Membership | None:
    """The person's active membership as the database has it now: for a write that must
    re-check the role at the moment of writing (`membership_of` reads the copy loaded with
    the user at the start of the request)."""
    if user.pk is None:
        return None
    return Membership.objects.filter(user_id=user.pk, is_active=True).first()


def user_with_email(email: str) -> AbstractBaseUser | None:
    """The account whose address is `email`, both in the normalised form (`accounts.emails`):
    compared with `=`, never with the database's case folding, which makes some look-alikes
    equal (PostgreSQL's upper() turns a dotless 'ı' into 'I')."""
    email = email_canonical(email)
    return get_user_model()._default_manager.filter(email=email).first() if email else None
