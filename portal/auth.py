"""Authentication backend: Django's, with the rows every signed-in page reads."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser


class PortalBackend(ModelBackend):
    """`ModelBackend` whose `get_user` (once per request) also loads the contact's
    membership with its organisation and region: one query where the time-zone middleware
    and the customer's pages would otherwise make four. (An engineer's profile is one more
    join for every request of every customer: the admin's pages load it when they need it.)"""

    def get_user(self, user_id: object) -> AbstractBaseUser | None:
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("membership__organization__region", "staff_profile").get(
                pk=user_id
            )
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
