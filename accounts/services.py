"""Invitations and memberships: an organisation admin authorises the people of the organisation.

An invitation is a row plus a signed link (`django.core.signing`): the link carries the
invitation's id, the signature proves we made it, and the row says whether it is still
pending. It expires `INVITATION_VALID_DAYS` after it was sent, measured against `now`.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.contacts import is_last_support_contact
from accounts.emails import EmailRefused, email_canonical, email_normalise
from accounts.models import Invitation, Membership, Organization, Role
from accounts.selectors import user_with_email
from core.errors import DomainError

logger = logging.getLogger(__name__)

INVITATION_VALID_DAYS = 7
INVITATION_SALT = "accounts.invitation"


class AccountError(DomainError):
    """A request on people or invitations that the rules do not allow; the message is for the user."""


class InvitationInvalid(AccountError):
    pass


class InvitationExpired(AccountError):
    pass


class InvitationUsed(AccountError):
    pass


class InvitationRevoked(AccountError):
    pass


class AlreadyMember(AccountError):
    pass


class LastAdmin(AccountError):
    pass


class AddressRefused(AccountError):
    """An address we do not store: invisible characters, or a look-alike of another one."""

    code = "address_refused"
    field = "email"


class NotInvitable(AccountError):
    """An account a customer may not invite: staff, or switched off. One neutral message for
    both, so that the answer says nothing about whose address it is."""

    code = "not_invitable"
    field = "email"


class SignInFirst(AccountError):
    """The invitation is for an address that has an account: its owner signs in to accept."""

    code = "sign_in_first"
    status = 403


def email_for_storage(raw: str) -> str:
    """`raw` in the one normalised form (`accounts.emails`), or `AddressRefused` saying why not."""
    try:
        return email_normalise(raw)
    except EmailRefused as refused:
        if refused.reason == "invisible":
            message = _("This address contains invisible characters. Type it again instead of pasting it.")
        elif refused.reason == "malformed":
            message = _("Enter a valid email address.")
        else:
            message = _(
                "This address mixes alphabets or uses letters that look like other letters. Type it with plain letters."
            )
        raise AddressRefused(message) from None


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "e": invitation.email}, salt=INVITATION_SALT, compress=True)


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("invitation_accept", args=[invitation_token(invitation)])


def invitation_expires_at(invitation: Invitation) -> dt.datetime:
    return invitation.created_at + dt.timedelta(days=INVITATION_VALID_DAYS)


def _not_invitable(user: AbstractBaseUser) -> bool:
    return user.is_staff or user.is_superuser or not user.is_active


def invitation_create(
    *, organization: Organization, email: str, role: str, invited_by: AbstractBaseUser, now: dt.datetime
) -> Invitation:
    """Invite `email` to the organisation with `role` and email them the signed link (on commit).

    An address that has an account may be invited (its owner signs in to accept). A staff or
    switched-off account, and a contact of another organisation, get the same answer as
    anyone else, so the form tells nothing about whose address it is: the invitation is
    stored and listed, but a staff or switched-off account's owner is only told to ask our
    support team (accepting refuses them, `invitation_accept_signed_in`).
    """
    email = email_for_storage(email)
    existing = user_with_email(email)
    send = invitation_send_contact_support if existing is not None and _not_invitable(existing) else invitation_send
    if Membership.objects.filter(organization=organization, user__email=email, is_active=True).exists():
        raise AlreadyMember(_("%(email)s is already a contact of your organisation.") % {"email": email})
    with transaction.atomic():
        # A new invitation replaces any pending one for the same address.
        Invitation.objects.filter(
            organization=organization, email=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            organization=organization, email=email, role=role, invited_by=invited_by, created_at=now
        )
        transaction.on_commit(lambda: send(invitation))
    return invitation


def invitation_send_contact_support(invitation: Invitation) -> None:
    """Instead of the link, to a staff or switched-off account: who asked, and to ask support."""
    context = {"organization": invitation.organization, "SUPPORT_TEAM_EMAIL": settings.SUPPORT_TEAM_EMAIL}
    with translation.override(invitation.organization.language):
        subject = render_to_string(
            "emails/accounts/invitation.subject.txt", {**context, "PRODUCT_NAME": settings.PRODUCT_NAME}
        ).strip()
        text = render_to_string("emails/accounts/not_invitable.txt", context)
    try:
        EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [invitation.email]).send()
    except Exception:
        logger.exception("invitation notice to %s failed", invitation.email)


def invitation_send(invitation: Invitation) -> None:
    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "inviter": invitation.invited_by,
        "url": invitation_url(invitation),
        "valid_days": INVITATION_VALID_DAYS,
        "expires_at": invitation_expires_at(invitation),
        "role": Role(invitation.role).label,
        "PRODUCT_NAME": settings.PRODUCT_NAME,
        "VENDOR_NAME": settings.VENDOR_NAME,
    }
    with translation.override(invitation.organization.language):
        subject = render_to_string("emails/accounts/invitation.subject.txt", context).strip()
        text = render_to_string("emails/accounts/invitation.txt", context)
        html = render_to_string("emails/accounts/invitation.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:  # the invitation stays valid; the admin can send it again
        logger.exception("invitation email to %s failed", invitation.email)


def invitation_from_token(*, token: str, now: dt.datetime) -> Invitation:
    """The pending invitation behind a link, or a typed error saying what is wrong with it."""
    try:
        payload = signing.loads(token, salt=INVITATION_SALT)
    except signing.BadSignature:
        raise InvitationInvalid(_("This invitation link is not valid. Check that you copied all of it.")) from None
    invitation = (
        Invitation.objects.filter(pk=payload.get("i"), email=payload.get("e")).select_related("organization").first()
    )
    if invitation is None:
        raise InvitationInvalid(_("This invitation no longer exists. Ask your organisation admin for a new one."))
    if invitation.revoked_at is not None:
        raise InvitationRevoked(_("This invitation was withdrawn. Ask your organisation admin for a new one."))
    if invitation.accepted_at is not None:
        raise InvitationUsed(_("This invitation has already been accepted. Sign in with your email and password."))
    if now > invitation_expires_at(invitation):
        raise InvitationExpired(
            _(
                "This invitation expired on %(date)s. Ask your organisation admin to send you a new one; "
                "invitations are valid for %(days)d days."
            )
            % {"date": f"{invitation_expires_at(invitation):%d %b %Y}", "days": INVITATION_VALID_DAYS}
        )
    return invitation


def _claim(invitation: Invitation, *, now: dt.datetime) -> None:
    claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
        accepted_at=now
    )
    if not claimed:
        raise InvitationUsed(_("This invitation has already been accepted. Sign in with your email and password."))


def invitation_accept(
    *,
    token: str,
    first_name: str,
    last_name: str,
    password: str,
    time_zone: str,
    phone: str = "",
    now: dt.datetime,
) -> AbstractBaseUser:
    """A person new to the portal accepts: their account and membership are created.

    Never touches an existing account: if the address has one (even one created since the
    invitation was sent), its owner must sign in and accept (`invitation_accept_signed_in`).
    """
    User = get_user_model()
    with transaction.atomic():
        invitation = invitation_from_token(token=token, now=now)
        email = email_canonical(invitation.email)
        if user_with_email(email) is not None or User.objects.filter(username=email).exists():
            raise SignInFirst(
                _("An account with this address exists. Sign in with it, then open the invitation link again.")
            )
        if not password:
            raise AccountError(_("Choose a password."))
        _claim(invitation, now=now)
        user = User(
            username=email,
            email=email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
        )
        user.set_password(password)
        user.save()
        Membership.objects.create(
            user=user,
            organization=invitation.organization,
            role=invitation.role,
            time_zone=time_zone or invitation.organization.time_zone,
            language=invitation.organization.language,
            phone=phone.strip(),
        )
    return user


def invitation_accept_signed_in(
    *, token: str, user: AbstractBaseUser, time_zone: str, phone: str = "", now: dt.datetime
) -> Membership:
    """The signed-in owner of the invited address accepts: only their membership changes
    (added, or a former one reinstated with the invited role); never their password, names
    or whether the account is active."""
    with transaction.atomic():
        invitation = invitation_from_token(token=token, now=now)
        if not user.is_active or email_canonical(user.email) != email_canonical(invitation.email):
            raise SignInFirst(_("This invitation is for another address. Sign in with the invited address."))
        if _not_invitable(user):
            raise NotInvitable(_("This account cannot join a customer organisation. Ask our support team."))
        organization = invitation.organization
        if Membership.objects.filter(user=user, is_active=True).exclude(organization=organization).exists():
            raise AlreadyMember(_("You are already a contact of another organisation. Ask our support team."))
        _claim(invitation, now=now)
        membership, _created = Membership.objects.update_or_create(
            user=user,
            defaults={
                "organization": organization,
                "role": invitation.role,
                "time_zone": time_zone or organization.time_zone,
                "language": organization.language,
                "phone": phone.strip(),
                "is_active": True,
            },
        )
    return membership


def invitation_revoke(*, invitation: Invitation, now: dt.datetime) -> Invitation:
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    invitation.refresh_from_db()
    return invitation


def _other_active_admins(membership: Membership) -> bool:
    return (
        Membership.objects.filter(organization_id=membership.organization_id, role=Role.ADMIN, is_active=True)
        .exclude(pk=membership.pk)
        .exists()
    )


def membership_change_role(*, membership: Membership, role: str, by: AbstractBaseUser) -> Membership:
    """Change a contact's role; an organisation always keeps at least one admin."""
    if role not in Role.values:
        raise AccountError(_("Choose a role."))
    with transaction.atomic():
        # Lock the organisation's admins so that two admins demoting each other cannot both win.
        list(
            Membership.objects.select_for_update()
            .filter(organization_id=membership.organization_id, role=Role.ADMIN)
            .values_list("pk", flat=True)
        )
        membership.refresh_from_db()
        if membership.role == Role.ADMIN and role != Role.ADMIN and not _other_active_admins(membership):
            raise LastAdmin(_("Your organisation needs at least one admin. Make someone else an admin first."))
        membership.role = role
        membership._change_reason = f"Role changed by {by}"
        membership.save(update_fields=["role"])
    return membership


def membership_revoke(*, membership: Membership, by: AbstractBaseUser) -> Membership:
    """Withdraw a contact's access; their incidents stay with the organisation."""
    if membership.user_id == by.pk:
        raise AccountError(_("You cannot revoke your own access. Ask another admin of your organisation."))
    with transaction.atomic():
        membership.refresh_from_db()
        if membership.role == Role.ADMIN and not _other_active_admins(membership):
            raise LastAdmin(_("Your organisation needs at least one admin."))
        if is_last_support_contact(membership):
            raise AccountError(
                _("Your organisation needs at least one support contact. Name someone else support contact first.")
            )
        membership.is_active = False
        membership._change_reason = f"Access revoked by {by}"
        membership.save(update_fields=["is_active"])
    return membership


def membership_update_preferences(
    *, membership: Membership, time_zone: str, language: str, phone: str, notify_on_all_incidents: bool
) -> Membership:
    membership.time_zone = time_zone
    membership.language = language
    membership.phone = phone.strip()
    membership.notify_on_all_incidents = notify_on_all_incidents
    membership.full_clean(exclude=["user", "organization"])
    membership.save(update_fields=["time_zone", "language", "phone", "notify_on_all_incidents"])
    return membership
