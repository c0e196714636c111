"""The CfMD requirements with a status computed from the data, live or at a past moment.

`CHECKS` is the table of requirements, one small function each, in the order the page lists
them. A check reads what it needs from `Facts` (the day, the moment of the data and the
evidence records, read once) and returns a `Requirement`: ok (green), warn (amber: complete
but needs attention soon) or bad (red: missing or stale), the findings that explain it, the
evidence link and the date the evidence was last reviewed or changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cfmd import selectors as cfmd_selectors
from cfmd.models import EvidenceKind, EvidenceRecord
from core.history import last_change_at, last_change_on
from lifecycle import selectors as lifecycle_selectors
from lifecycle.models import LifecyclePolicy, PolicyKind, ProductVersion, ReleaseStatus
from lifecycle.phases import years_before
from sla.models import ChannelKind, ResponseTarget, SupportChannel
from sla.selectors import sla_matrix, support_channels

OK, WARN, BAD = "ok", "warn", "bad"
STATUS_LABELS = {
    OK: gettext_lazy("Compliant"),
    WARN: gettext_lazy("Needs attention"),
    BAD: gettext_lazy("Missing or stale"),
}
EXPIRY_WARNING = dt.timedelta(days=30)

GROUP_SOLUTION = gettext_lazy("Solution")
GROUP_SUPPORT = gettext_lazy("Support capability")
GROUP_MARKET = gettext_lazy("Customers and partnership")
GROUP_DIRECTION = gettext_lazy("Product direction")


@dataclass
class Requirement:
    code: str
    group: str
    title: str
    description: str
    status: str = OK
    findings: list[str] = field(default_factory=list)
    evidence_url: str = ""
    evidence_label: str = ""
    evidence_kind: str = ""  # the kind of evidence record that backs it, if any (for the evidence pack)
    last_reviewed_on: dt.date | None = None

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def badge(self) -> str:
        return {OK: "badge-ok", WARN: "badge-warn", BAD: "badge-bad"}[self.status]

    def fail(self, finding: str) -> None:
        self.status = BAD
        self.findings.append(finding)

    def warn(self, finding: str) -> None:
        if self.status == OK:
            self.status = WARN
        self.findings.append(finding)


@dataclass
class Facts:
    """What every check may read: the day `on`, the data as it stood at `at` (None: live) and
    the `as_of` date to keep in links."""

    on: dt.date
    at: dt.datetime | None = None
    as_of: dt.date | None = None

    @cached_property
    def year_ago(self) -> dt.date:
        return years_before(self.on)

    @cached_property
    def records(self) -> list[EvidenceRecord]:
        return cfmd_selectors.evidence_records(self.at)

    def url(self, name: str) -> str:
        url = reverse(name)
        return f"{url}?as_of={self.as_of.isoformat()}" if self.as_of else url


def _latest(*dates: dt.date | None) -> dt.date | None:
    known = [d for d in dates if d is not None]
    return max(known) if known else None


# --- Evidence records (test report, escrow, references, competency, partner profile) ------


def _stale_findings(records: list[EvidenceRecord], *, on: dt.date, year_ago: dt.date) -> list[str]:
    findings = []
    for r in records:
        if r.valid_until is not None and r.valid_until < on:
            findings.append(_("“%(title)s” expired on %(date)s.") % {"title": r.title, "date": r.valid_until})
        elif r.dated_on < year_ago:
            findings.append(
                _("“%(title)s” is dated %(date)s, more than 12 months ago.") % {"title": r.title, "date": r.dated_on}
            )
    return findings


def _evidence(facts: Facts, req: Requirement, *, missing: str) -> Requirement:
    """Current = dated in the last 12 months and not past its valid-until date."""
    on, year_ago = facts.on, facts.year_ago
    of_kind = [r for r in facts.records if r.kind == req.evidence_kind]
    current = [r for r in of_kind if r.dated_on >= year_ago and (r.valid_until is None or r.valid_until >= on)]
    if not of_kind:
        req.fail(missing)
        return req
    if not current:
        req.findings.extend(_stale_findings(of_kind, on=on, year_ago=year_ago))
        req.fail(_("No current record: add a new one or renew an existing one."))
    for r in current:
        if r.valid_until is not None and r.valid_until - on <= EXPIRY_WARNING:
            req.warn(_("“%(title)s” expires on %(date)s.") % {"title": r.title, "date": r.valid_until})
    best = current[0] if current else of_kind[0]
    req.last_reviewed_on = max(r.dated_on for r in of_kind)
    if best.url:
        req.evidence_url, req.evidence_label = best.url, best.title
    return req


def solution_testing(facts: Facts) -> Requirement:
    req = Requirement(
        "solution_testing",
        str(GROUP_SOLUTION),
        _("Solution testing"),
        _("The solution passed the CfMD solution test in the last 12 months."),
        evidence_kind=EvidenceKind.TEST_REPORT,
    )
    return _evidence(facts, req, missing=_("No solution test report is recorded."))


def source_code_escrow(facts: Facts) -> Requirement:
    req = Requirement(
        "source_code_escrow",
        str(GROUP_SOLUTION),
        _("Source code escrow"),
        _("The source code is deposited with an escrow agent; the last deposit is less than 12 months old."),
        evidence_kind=EvidenceKind.ESCROW,
    )
    return _evidence(facts, req, missing=_("No escrow agreement or deposit is recorded."))


def customer_evidence(facts: Facts) -> Requirement:
    req = Requirement(
        "customer_evidence",
        str(GROUP_MARKET),
        _("Customer evidence"),
        _("Current customer references for the solution."),
        evidence_kind=EvidenceKind.CUSTOMER_REFERENCE,
    )
    return _evidence(facts, req, missing=_("No customer reference is recorded."))


def competency(facts: Facts) -> Requirement:
    req = Requirement(
        "competency",
        str(GROUP_MARKET),
        _("Competency"),
        _("A current Microsoft partner competency or solutions partner designation."),
        evidence_kind=EvidenceKind.COMPETENCY,
    )
    return _evidence(facts, req, missing=_("No competency or designation is recorded."))


def partner_profile(facts: Facts) -> Requirement:
    req = Requirement(
        "partner_profile",
        str(GROUP_MARKET),
        _("Partner profile"),
        _("A current partner profile and solution listing, reviewed in the last 12 months."),
        evidence_kind=EvidenceKind.PARTNER_PROFILE,
    )
    return _evidence(facts, req, missing=_("No partner profile is recorded."))


# --- Support capability --------------------------------------------------------------------


def service_level_agreement(facts: Facts) -> Requirement:
    req = Requirement(
        "sla",
        str(GROUP_SUPPORT),
        _("Service level agreement"),
        _("A published SLA with an initial response time for every plan and severity."),
        evidence_url=facts.url("sla:page"),
        evidence_label=_("Support and SLA page"),
    )
    matrix = sla_matrix(facts.at)
    if not matrix.plans or not matrix.severities:
        req.fail(_("No support plans or severities are published."))
    for severity, cells in matrix.rows:
        for plan, cell in zip(matrix.plans, cells, strict=True):
            if cell.target is None and not cell.is_unknown:
                req.fail(
                    _("Plan %(plan)s has no response target for severity %(severity)s.")
                    % {"plan": plan.name, "severity": severity.code}
                )
    if matrix.has_unknown:
        req.warn(_("Some targets were changed later and their earlier value was not recorded."))
    changed_at = last_change_at(ResponseTarget, facts.at)
    req.last_reviewed_on = changed_at.date() if changed_at else None
    return req


def _version_findings(req: Requirement, row: lifecycle_selectors.VersionRow) -> None:
    v = row.version
    if v.policy not in PolicyKind.values:
        req.fail(_("Version %(version)s has no lifecycle policy.") % {"version": v.version})
    elif v.policy == PolicyKind.FIXED and (v.mainstream_end_on is None or v.extended_end_on is None):
        req.fail(
            _("Version %(version)s (fixed policy) lacks its mainstream or extended end date.") % {"version": v.version}
        )
    if not row.dynamics:
        req.warn(_("Version %(version)s lists no Dynamics version it runs on.") % {"version": v.version})


def support_lifecycle(facts: Facts) -> Requirement:
    req = Requirement(
        "lifecycle",
        str(GROUP_SUPPORT),
        _("Support lifecycle"),
        _("A published lifecycle policy; every released version has its dates and policy."),
        evidence_url=facts.url("cfmd:lifecycle"),
        evidence_label=_("Support lifecycle page"),
    )
    policy = lifecycle_selectors.lifecycle_policy(facts.at)
    if policy is None or not policy.policy_text.strip():
        req.fail(_("No lifecycle policy text is published."))
    rows = lifecycle_selectors.lifecycle_rows(on=facts.on, at=facts.at)
    released = [r for r in rows if r.version.released_on is not None and r.version.released_on <= facts.on]
    if not released:
        req.fail(_("No released version is listed."))
    for row in released:
        _version_findings(req, row)
    req.last_reviewed_on = _latest(last_change_on(ProductVersion, facts.at), last_change_on(LifecyclePolicy, facts.at))
    return req


def knowledge_base(facts: Facts) -> Requirement:
    req = Requirement(
        "knowledge_base",
        str(GROUP_SUPPORT),
        _("Knowledge base"),
        _("Customers can read published articles about the solution."),
        evidence_url=reverse("kb:index"),
        evidence_label=_("Knowledge base"),
    )
    published = cfmd_selectors.published_article_count(facts.at)
    if published == 0:
        req.fail(_("The knowledge base has no published articles."))
    else:
        req.findings.append(_("%(count)d published article(s).") % {"count": published})
    req.last_reviewed_on = cfmd_selectors.knowledge_base_last_change_on(facts.at)
    return req


def support_contacts(facts: Facts) -> Requirement:
    req = Requirement(
        "support_contacts",
        str(GROUP_SUPPORT),
        _("Support contacts"),
        _("At least two published support channels (the portal and email or phone), each with its hours."),
        evidence_url=facts.url("cfmd:contacts"),
        evidence_label=_("Contacts page"),
    )
    channels = support_channels(facts.at)
    if len(channels) < 2:
        req.fail(_("%(count)d support channel(s) published, 2 needed.") % {"count": len(channels)})
    kinds = {c.kind for c in channels}
    if ChannelKind.PORTAL not in kinds:
        req.fail(_("The support portal is not listed as a channel."))
    if not kinds & {ChannelKind.EMAIL, ChannelKind.PHONE}:
        req.fail(_("No email or phone channel is listed."))
    for c in channels:
        if not c.hours.strip():
            req.fail(_("Channel %(name)s has no hours.") % {"name": c.name})
    req.last_reviewed_on = last_change_on(SupportChannel, facts.at)
    return req


def escalation_contact(facts: Facts) -> Requirement:
    req = Requirement(
        "escalation_contact",
        str(GROUP_SUPPORT),
        _("Escalation contact for Microsoft"),
        _("A named escalation contact with name, email and phone, verified in the last 12 months."),
        evidence_url=facts.url("cfmd:contacts") + "#escalation",
        evidence_label=_("Contacts page: escalation"),
    )
    people = cfmd_selectors.escalation_contacts(facts.at)
    complete = [p for p in people if p.name.strip() and p.email.strip() and p.phone.strip()]
    if not people:
        req.fail(_("No public escalation contact is named."))
    elif not complete:
        req.fail(_("No escalation contact has a name, an email address and a phone number."))
    else:
        if not any(p.verified_on is not None and facts.year_ago <= p.verified_on <= facts.on for p in complete):
            req.fail(_("The escalation contact was not verified in the last 12 months."))
        req.last_reviewed_on = _latest(*(p.verified_on for p in complete))
    return req


# --- Product direction ---------------------------------------------------------------------


def product_roadmap(facts: Facts) -> Requirement:
    req = Requirement(
        "product_roadmap",
        str(GROUP_DIRECTION),
        _("Product roadmap"),
        _("A statement of direction aligned with Microsoft's, reviewed in the last 12 months, with planned releases."),
        evidence_url=facts.url("cfmd:roadmap"),
        evidence_label=_("Roadmap page"),
    )
    statement = lifecycle_selectors.roadmap_statement(facts.at)
    if statement is None or not statement.body.strip():
        req.fail(_("No statement of direction is published."))
    else:
        req.last_reviewed_on = statement.reviewed_on
        if statement.reviewed_on < facts.year_ago:
            req.fail(
                _("The statement of direction was last reviewed on %(date)s, more than 12 months ago.")
                % {"date": statement.reviewed_on}
            )
    releases = lifecycle_selectors.planned_releases(facts.at)
    if not any(r.planned_on >= facts.on and r.status != ReleaseStatus.CANCELLED for r in releases):
        req.warn(_("No upcoming release is planned."))
    return req


# The requirements in the order the page and the evidence pack list them.
CHECKS: tuple[Callable[[Facts], Requirement], ...] = (
    solution_testing,
    source_code_escrow,
    service_level_agreement,
    support_lifecycle,
    knowledge_base,
    support_contacts,
    escalation_contact,
    customer_evidence,
    competency,
    partner_profile,
    product_roadmap,
)


def cfmd_requirements(*, on: dt.date, at: dt.datetime | None = None, as_of: dt.date | None = None) -> list[Requirement]:
    """Every CfMD requirement with its status on day `on`, from the data as it stood at `at`."""
    facts = Facts(on=on, at=at, as_of=as_of)
    return [check(facts) for check in CHECKS]


def cfmd_summary(requirements: list[Requirement]) -> dict[str, int]:
    counts = {OK: 0, WARN: 0, BAD: 0}
    for r in requirements:
        counts[r.status] += 1
    return counts
