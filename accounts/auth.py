"""Authentication backend: Django's, with the rows every signed-in page reads; and the
viewer's time zone and language, kept in their session."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django.utils import timezone

from accounts.api.services import api_tokens_revoke_all

# The session key of the viewer's preferences: {"time_zone": str, "language": str | None}.
PREFERENCES_SESSION_KEY = "viewer_preferences"


class PortalBackend(ModelBackend):
    """`ModelBackend` whose `get_user` (once per request) also loads the contact's
    membership with its organisation and region in the same query: the customer's pages
    read them without another one. (An engineer's profile holds only their time zone, read
    when they sign in: `viewer_preferences`.)"""

    def get_user(self, user_id: object) -> AbstractBaseUser | None:
        user = user_with_membership(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def user_with_membership(user_id: object) -> AbstractBaseUser | None:
    """The user with `user.membership` (its organisation and region) loaded; None if there
    is no such user."""
    users = get_user_model()._default_manager.select_related("membership__organization__region")
    try:
        return users.get(pk=user_id)
    except get_user_model().DoesNotExist:
        return None


def viewer_preferences(user: Any) -> dict[str, str | None]:
    """A contact's own time zone and language; an engineer's time zone (their language is
    their browser's); UTC for anyone else."""
    membership = getattr(user, "membership", None)
    if membership is not None:
        return {"time_zone": membership.time_zone, "language": membership.language}
    profile = getattr(user, "staff_profile", None)
    return {"time_zone": profile.time_zone if profile is not None else "UTC", "language": None}


def viewer_preferences_remember(session: SessionBase, user: Any) -> None:
    """Keep the user's preferences in their session, read by every page they open
    (`portal.middleware`). Written when they sign in and when they save their preferences
    on the account page; a change made by someone else (in the admin) shows from their
    next sign-in."""
    session[PREFERENCES_SESSION_KEY] = viewer_preferences(user)


def preferences_on_login(sender: object, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any) -> None:
    """`user_logged_in` receiver (every way of signing in: the form, the admin, an accepted
    invitation): the preferences as they are now in the database, not as the signing-in
    code happened to load the user."""
    if request is not None and hasattr(request, "session"):
        viewer_preferences_remember(request.session, user_with_membership(user.pk) or user)


def password_change_note(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """pre_save of a user: note whether the password is changing (reset, change, admin,
    `changepassword`), for `tokens_revoke_on_password_change`. Saves that name their fields
    without the password (a sign-in's last_login) cost no query."""
    instance._password_changed = False
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = type(instance)._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._password_changed = stored is not None and stored != instance.password


def tokens_revoke_on_password_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    """post_save of a user: a new password revokes every API token (whoever knew the old
    password may have made tokens with it)."""
    if getattr(instance, "_password_changed", False):
        api_tokens_revoke_all(user_id=instance.pk, now=timezone.now())
        instance._password_changed = False
