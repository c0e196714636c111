"""The CfMD requirements with a status computed from the data, live or at a past moment.

Each check returns a `Requirement`: ok (green), warn (amber: complete but needs attention
soon) or bad (red: missing or stale), the findings that explain it, the evidence link and the
date the evidence was last reviewed or changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cfmd.models import EvidenceKind, EvidenceRecord
from lifecycle import selectors
from lifecycle.models import LifecyclePolicy, PolicyKind, ProductVersion, ReleaseStatus
from lifecycle.phases import years_before
from sla.models import ChannelKind, SupportChannel

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


def _last_change_on(model: type[models.Model], at: dt.datetime | None) -> dt.date | None:
    qs = model.history.all()  # type: ignore[attr-defined]
    if at is not None:
        qs = qs.filter(history_date__lte=at)
    last = qs.order_by("-history_date").values_list("history_date", flat=True).first()
    return last.date() if last else None


def _latest(*dates: dt.date | None) -> dt.date | None:
    known = [d for d in dates if d is not None]
    return max(known) if known else None


def _url(name: str, as_of: dt.date | None) -> str:
    url = reverse(name)
    return f"{url}?as_of={as_of.isoformat()}" if as_of else url


def _evidence(req: Requirement, records: list[EvidenceRecord], kind: str, *, on: dt.date, missing: str) -> Requirement:
    """Current = dated in the last 12 months and not past its valid-until date."""
    of_kind = [r for r in records if r.kind == kind]
    year_ago = years_before(on)
    current = [r for r in of_kind if r.dated_on >= year_ago and (r.valid_until is None or r.valid_until >= on)]
    if not of_kind:
        req.fail(missing)
    elif not current:
        for r in of_kind:
            if r.valid_until is not None and r.valid_until < on:
                req.findings.append(_("“%(title)s” expired on %(date)s.") % {"title": r.title, "date": r.valid_until})
            elif r.dated_on < year_ago:
                req.findings.append(
                    _("“%(title)s” is dated %(date)s, more than 12 months ago.")
                    % {"title": r.title, "date": r.dated_on}
                )
        req.fail(_("No current record: add a new one or renew an existing one."))
    else:
        for r in current:
            if r.valid_until is not None and r.valid_until - on <= EXPIRY_WARNING:
                req.warn(_("“%(title)s” expires on %(date)s.") % {"title": r.title, "date": r.valid_until})
    best = current[0] if current else (of_kind[0] if of_kind else None)
    if best is not None:
        req.last_reviewed_on = max(r.dated_on for r in of_kind)
        if best.url:
            req.evidence_url, req.evidence_label = best.url, best.title
    return req


def cfmd_requirements(*, on: dt.date, at: dt.datetime | None = None, as_of: dt.date | None = None) -> list[Requirement]:
    """Every CfMD requirement with its status on day `on`, from the data as it stood at `at`."""
    records = selectors.evidence_records(at)
    year_ago = years_before(on)
    result: list[Requirement] = []

    # Solution testing and escrow ---------------------------------------------------------
    result.append(
        _evidence(
            Requirement(
                "solution_testing",
                str(GROUP_SOLUTION),
                _("Solution testing"),
                _("The solution passed the CfMD solution test in the last 12 months."),
            ),
            records,
            EvidenceKind.TEST_REPORT,
            on=on,
            missing=_("No solution test report is recorded."),
        )
    )
    result.append(
        _evidence(
            Requirement(
                "source_code_escrow",
                str(GROUP_SOLUTION),
                _("Source code escrow"),
                _("The source code is deposited with an escrow agent; the last deposit is less than 12 months old."),
            ),
            records,
            EvidenceKind.ESCROW,
            on=on,
            missing=_("No escrow agreement or deposit is recorded."),
        )
    )

    # Support capability: SLA -------------------------------------------------------------
    sla = Requirement(
        "sla",
        str(GROUP_SUPPORT),
        _("Service level agreement"),
        _("A published SLA with an initial response time for every plan and severity."),
        evidence_url=_url("sla:page", as_of),
        evidence_label=_("Support and SLA page"),
    )
    matrix = selectors.sla_matrix_as_of(at)
    if not matrix.plans or not matrix.severities:
        sla.fail(_("No support plans or severities are published."))
    for severity, cells in matrix.rows:
        for plan, cell in zip(matrix.plans, cells, strict=True):
            if cell.target is None and not cell.is_unknown:
                sla.fail(
                    _("Plan %(plan)s has no response target for severity %(severity)s.")
                    % {"plan": plan.name, "severity": severity.code}
                )
    if matrix.has_unknown:
        sla.warn(_("Some targets were changed later and their earlier value was not recorded."))
    sla.last_reviewed_on = matrix.last_changed_at.date() if matrix.last_changed_at else None
    result.append(sla)

    # Support capability: lifecycle -------------------------------------------------------
    lifecycle = Requirement(
        "lifecycle",
        str(GROUP_SUPPORT),
        _("Support lifecycle"),
        _("A published lifecycle policy; every released version has its dates and policy."),
        evidence_url=_url("lifecycle:lifecycle", as_of),
        evidence_label=_("Support lifecycle page"),
    )
    policy = selectors.lifecycle_policy(at)
    if policy is None or not policy.policy_text.strip():
        lifecycle.fail(_("No lifecycle policy text is published."))
    rows = selectors.lifecycle_rows(on=on, at=at)
    released = [r for r in rows if r.version.released_on is not None and r.version.released_on <= on]
    if not released:
        lifecycle.fail(_("No released version is listed."))
    for row in released:
        v = row.version
        if v.policy not in PolicyKind.values:
            lifecycle.fail(_("Version %(version)s has no lifecycle policy.") % {"version": v.version})
        elif v.policy == PolicyKind.FIXED and (v.mainstream_end_on is None or v.extended_end_on is None):
            lifecycle.fail(
                _("Version %(version)s (fixed policy) lacks its mainstream or extended end date.")
                % {"version": v.version}
            )
        if not row.dynamics:
            lifecycle.warn(_("Version %(version)s lists no Dynamics version it runs on.") % {"version": v.version})
    lifecycle.last_reviewed_on = _latest(_last_change_on(ProductVersion, at), _last_change_on(LifecyclePolicy, at))
    result.append(lifecycle)

    # Support capability: knowledge base --------------------------------------------------
    kb = Requirement(
        "knowledge_base",
        str(GROUP_SUPPORT),
        _("Knowledge base"),
        _("Customers can read published articles about the solution."),
        evidence_url=reverse("kb:index"),
        evidence_label=_("Knowledge base"),
    )
    published = selectors.published_article_count(at)
    if published is None:
        kb.fail(_("The knowledge base is not published yet."))
    elif published == 0:
        kb.fail(_("The knowledge base has no published articles."))
    else:
        kb.findings.append(_("%(count)d published article(s).") % {"count": published})
    kb.last_reviewed_on = selectors.knowledge_base_last_change_on(at)
    result.append(kb)

    # Support capability: support contacts ------------------------------------------------
    contacts = Requirement(
        "support_contacts",
        str(GROUP_SUPPORT),
        _("Support contacts"),
        _("At least two published support channels (the portal and email or phone), each with its hours."),
        evidence_url=_url("lifecycle:contacts", as_of),
        evidence_label=_("Contacts page"),
    )
    channels = selectors.support_channels(at)
    if len(channels) < 2:
        contacts.fail(_("%(count)d support channel(s) published, 2 needed.") % {"count": len(channels)})
    kinds = {c.kind for c in channels}
    if ChannelKind.PORTAL not in kinds:
        contacts.fail(_("The support portal is not listed as a channel."))
    if not kinds & {ChannelKind.EMAIL, ChannelKind.PHONE}:
        contacts.fail(_("No email or phone channel is listed."))
    for c in channels:
        if not c.hours.strip():
            contacts.fail(_("Channel %(name)s has no hours.") % {"name": c.name})
    contacts.last_reviewed_on = _last_change_on(SupportChannel, at)
    result.append(contacts)

    # Support capability: escalation contact for Microsoft --------------------------------
    escalation = Requirement(
        "escalation_contact",
        str(GROUP_SUPPORT),
        _("Escalation contact for Microsoft"),
        _("A named escalation contact with name, email and phone, verified in the last 12 months."),
        evidence_url=_url("lifecycle:contacts", as_of) + "#escalation",
        evidence_label=_("Contacts page: escalation"),
    )
    people = selectors.escalation_contacts(at)
    complete = [p for p in people if p.name.strip() and p.email.strip() and p.phone.strip()]
    if not people:
        escalation.fail(_("No public escalation contact is named."))
    elif not complete:
        escalation.fail(_("No escalation contact has a name, an email address and a phone number."))
    else:
        verified = [p for p in complete if p.verified_on is not None and year_ago <= p.verified_on <= on]
        if not verified:
            escalation.fail(_("The escalation contact was not verified in the last 12 months."))
        escalation.last_reviewed_on = _latest(*(p.verified_on for p in complete))
    result.append(escalation)

    # Customers and partnership -----------------------------------------------------------
    result.append(
        _evidence(
            Requirement(
                "customer_evidence",
                str(GROUP_MARKET),
                _("Customer evidence"),
                _("Current customer references for the solution."),
            ),
            records,
            EvidenceKind.CUSTOMER_REFERENCE,
            on=on,
            missing=_("No customer reference is recorded."),
        )
    )
    result.append(
        _evidence(
            Requirement(
                "competency",
                str(GROUP_MARKET),
                _("Competency"),
                _("A current Microsoft partner competency or solutions partner designation."),
            ),
            records,
            EvidenceKind.COMPETENCY,
            on=on,
            missing=_("No competency or designation is recorded."),
        )
    )
    result.append(
        _evidence(
            Requirement(
                "partner_profile",
                str(GROUP_MARKET),
                _("Partner profile"),
                _("A current partner profile and solution listing, reviewed in the last 12 months."),
            ),
            records,
            EvidenceKind.PARTNER_PROFILE,
            on=on,
            missing=_("No partner profile is recorded."),
        )
    )

    # Product roadmap ---------------------------------------------------------------------
    roadmap = Requirement(
        "product_roadmap",
        str(GROUP_DIRECTION),
        _("Product roadmap"),
        _("A statement of direction aligned with Microsoft's, reviewed in the last 12 months, with planned releases."),
        evidence_url=_url("lifecycle:roadmap", as_of),
        evidence_label=_("Roadmap page"),
    )
    statement = selectors.roadmap_statement(at)
    if statement is None or not statement.body.strip():
        roadmap.fail(_("No statement of direction is published."))
    else:
        roadmap.last_reviewed_on = statement.reviewed_on
        if statement.reviewed_on < year_ago:
            roadmap.fail(
                _("The statement of direction was last reviewed on %(date)s, more than 12 months ago.")
                % {"date": statement.reviewed_on}
            )
    upcoming = [r for r in selectors.planned_releases(at) if r.planned_on >= on and r.status != ReleaseStatus.CANCELLED]
    if not upcoming:
        roadmap.warn(_("No upcoming release is planned."))
    result.append(roadmap)
    return result


def cfmd_summary(requirements: list[Requirement]) -> dict[str, int]:
    counts = {OK: 0, WARN: 0, BAD: 0}
    for r in requirements:
        counts[r.status] += 1
    return counts
