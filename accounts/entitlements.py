"""Entitlements: which contract covers a submission, and how many incidents are left."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Contract, ContractStatus, Organization, prorated_allotment


class EntitlementError(Exception):
    """The organisation cannot submit an incident now; `reason` says why in the customer's terms."""

    code = "entitlement"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NoActiveContract(EntitlementError):
    code = "no_active_contract"


class AllotmentExhausted(EntitlementError):
    code = "allotment_exhausted"


def contract_incidents_used(contract: Contract) -> int:
    """The chargeable incidents filed on the contract (a few dozen at most; the foreign key's index)."""
    return contract.incidents.filter(is_chargeable=True).count()


def contract_active_get(*, organization: Organization, day: dt.date) -> Contract | None:
    """The organisation's contract in force on `day` (an upgrade supersedes its predecessor)."""
    return (
        Contract.objects.active_on(day)
        .filter(organization=organization)
        .select_related("plan")
        .annotate(used=Count("incidents", filter=Q(incidents__is_chargeable=True)))
        .order_by("-starts_on", "-pk")
        .first()
    )


def contract_for_submission(
    *, organization: Organization, day: dt.date, unless: Exists | None = None
) -> Contract | None:
    """Lock and return the contract a new incident consumes, or raise `EntitlementError`.

    Must run inside a transaction: the row lock serialises concurrent submissions of one
    organisation so that an allotment is never overdrawn. With `unless` (the caller's "this
    submission was filed already"), the locking statement evaluates it first and, when it
    holds, locks nothing and returns None (None also when no contract is in force: the
    caller asks again without `unless` to learn why).
    """
    contract = contract_active_lock(organization_id=organization.pk, day=day, unless=unless)
    if contract is None and unless is not None:
        return None
    if contract is None:
        latest = Contract.objects.filter(organization=organization).order_by("-ends_on").first()
        if latest is None:
            raise NoActiveContract(_("Your organisation has no support contract."))
        if latest.status_on(day) == ContractStatus.EXPIRED:
            raise NoActiveContract(
                _("Your organisation's support contract ended on %(date)s.")
                % {"date": date_format(latest.ends_on, _("j F Y"))}
            )
        raise NoActiveContract(
            _("Your organisation's support contract starts on %(date)s.")
            % {"date": date_format(latest.starts_on, _("j F Y"))}
        )
    # Counted after the lock, never before: a concurrent submission of the organisation
    # holds the lock until its incident is committed, and a statement run after the lock
    # is granted sees that incident (PostgreSQL's read committed).
    used = contract_incidents_used(contract)
    if used >= contract.incidents_allotted:
        raise AllotmentExhausted(
            _(
                "Your organisation has used all %(allotted)s incidents of its %(plan)s contract "
                "(term %(starts)s to %(ends)s)."
            )
            % {
                "allotted": contract.incidents_allotted,
                "plan": contract.plan.name,
                "starts": date_format(contract.starts_on, _("j M Y")),
                "ends": date_format(contract.ends_on, _("j M Y")),
            }
        )
    return contract


def contract_active_lock(*, organization_id: int, day: dt.date, unless: Exists | None = None) -> Contract | None:
    """The organisation's contract in force on `day`, row-locked until the transaction ends
    (its plan is not loaded: the submission reads the plan with its response target). The
    lock serialises one organisation's submissions: PostgreSQL locks the contract's row only
    (not the superseding contract's outer join); SQLite has no row locks, and its writers
    are serialised by BEGIN IMMEDIATE. With `unless`, only when it does not hold: PostgreSQL
    locks only the rows a statement returns."""
    contracts = Contract.objects.active_on(day).filter(organization_id=organization_id)
    if unless is not None:
        contracts = contracts.exclude(unless)
    return contracts.select_for_update(of=("self",)).order_by("-starts_on", "-pk").first()


def contract_create(
    *, organization: Organization, plan, starts_on: dt.date, ends_on: dt.date, reference: str = ""
) -> Contract:
    contract = Contract(
        organization=organization,
        plan=plan,
        starts_on=starts_on,
        ends_on=ends_on,
        incidents_allotted=0,
        reference=reference,
    )
    contract.incidents_allotted = prorated_allotment(contract.term_days)
    contract.full_clean()
    contract.save()
    return contract
