"""Reads on accounts: who a signed-in person is for the customer's pages."""

from __future__ import annotations

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
