"""The API's permission classes, free of domain imports."""

from __future__ import annotations

from rest_framework.permissions import BasePermission


class IsCustomer(BasePermission):
    """A signed-in customer, not support staff: for a step that is the customer's to take.

    Staff get a 403 whose message is the view's `customer_step_message` (what staff do instead);
    anonymous callers get the usual 401.
    """

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        if user.is_staff:
            self.message = getattr(view, "customer_step_message", None)
            return False
        return True
