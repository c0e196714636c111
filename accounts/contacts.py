"""Contact roles: who hears about the organisation's plan and the versions it runs.

Beside the access role (admin, submitter, viewer) a person may be a support contact, a
billing contact, or both. An organisation that names support contacts always keeps one: the
last one cannot drop the role or lose access (`membership_revoke` asks `is_last_support_contact`).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from core.errors import DomainError


class NoSupportContact(DomainError):
    code = "no_support_contact"


def support_contacts(organization: Organization | int) -> QuerySet[Membership]:
    """The organisation's reachable support contacts: active, with an active account and an address."""
    return Membership.objects.filter(
        organization=organization, is_support_contact=True, is_active=True, user__is_active=True
    ).exclude(user__email="")


def is_last_support_contact(membership: Membership) -> bool:
    return (
        membership.is_support_contact
        and membership.is_active
        and not support_contacts(membership.organization_id).exclude(pk=membership.pk).exists()
    )


def membership_set_contact_roles(
    *, membership: Membership, is_support_contact: bool, is_billing_contact: bool, by: AbstractBaseUser
) -> Membership:
    """Name or drop a person's contact roles; the organisation keeps at least one support contact."""
    with transaction.atomic():
        # Lock the organisation's support contacts so that two admins dropping two of them cannot both win.
        list(
            Membership.objects.select_for_update()
            .filter(organization_id=membership.organization_id, is_support_contact=True)
            .values_list("pk", flat=True)
        )
        membership.refresh_from_db()
        if not membership.is_active and (is_support_contact or is_billing_contact):
            raise NoSupportContact(_("A person without access cannot be a contact."))
        others = support_contacts(membership.organization_id).exclude(pk=membership.pk).exists()
        if not is_support_contact and not others:
            raise NoSupportContact(
                _("Your organisation needs at least one support contact. Name someone else support contact first.")
            )
        membership.is_support_contact = is_support_contact
        membership.is_billing_contact = is_billing_contact
        membership._change_reason = f"Contact roles changed by {by}"
        membership.save(update_fields=["is_support_contact", "is_billing_contact"])
    return membership
