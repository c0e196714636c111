"""The CfMD statuses: green when the data is complete, red when it is missing or stale."""

from __future__ import annotations

import datetime as dt

import pytest

from cfmd import compliance
from cfmd.models import EvidenceKind, EvidenceRecord
from core.history import moment_for
from escalation.models import EscalationContact
from lifecycle.models import LifecyclePolicy, PlannedRelease, ProductVersion, RoadmapStatement
from sla.models import ResponseTarget, SupportChannel
from tests.cfmd.conftest import TODAY

pytestmark = pytest.mark.django_db

ALL_CODES = [
    "solution_testing",
    "source_code_escrow",
    "sla",
    "lifecycle",
    "knowledge_base",
    "support_contacts",
    "escalation_contact",
    "customer_evidence",
    "competency",
    "partner_profile",
    "product_roadmap",
]


def statuses() -> dict[str, compliance.Requirement]:
    return {r.code: r for r in compliance.cfmd_requirements(on=TODAY)}


def test_every_requirement_is_listed_and_complete_data_is_all_green(complete_cfmd):
    result = statuses()
    assert list(result) == ALL_CODES
    assert {code: r.status for code, r in result.items()} == dict.fromkeys(result, compliance.OK)
    assert result["source_code_escrow"].evidence_url == "https://evidence.example/escrow"
    assert result["escalation_contact"].last_reviewed_on == TODAY - dt.timedelta(days=30)
    assert result["product_roadmap"].last_reviewed_on == TODAY - dt.timedelta(days=40)


def test_nothing_at_all_is_red_everywhere_except_the_seeded_sla(db, sla):
    result = statuses()
    assert result.pop("sla").status == compliance.OK  # the SLA defaults come with the database
    assert {code: r.status for code, r in result.items()} == dict.fromkeys(result, compliance.BAD)


def test_a_plan_without_a_target_for_a_severity_turns_the_sla_red(complete_cfmd, sla):
    ResponseTarget.objects.filter(plan=sla["plans"]["premier"], severity=sla["severities"]["C"]).delete()
    sla_status = statuses()["sla"]
    assert sla_status.status == compliance.BAD
    assert "Plan Premier has no response target for severity C." in sla_status.findings


def test_a_fixed_version_without_its_extended_end_turns_the_lifecycle_red(complete_cfmd):
    ProductVersion.objects.filter(version="11.0").update(extended_end_on=None)
    result = statuses()["lifecycle"]
    assert result.status == compliance.BAD
    assert any("11.0" in f for f in result.findings)


def test_no_policy_text_turns_the_lifecycle_red(complete_cfmd):
    LifecyclePolicy.objects.update(policy_text="  ")
    assert statuses()["lifecycle"].status == compliance.BAD


def test_a_version_without_dynamics_versions_needs_attention(complete_cfmd, versions):
    versions["29.0"].compatibilities.all().delete()
    assert statuses()["lifecycle"].status == compliance.WARN


def test_escalation_contact_not_verified_for_over_12_months_is_red(complete_cfmd):
    EscalationContact.objects.update(verified_on=TODAY - dt.timedelta(days=367))
    assert statuses()["escalation_contact"].status == compliance.BAD
    EscalationContact.objects.update(verified_on=TODAY - dt.timedelta(days=364))
    assert statuses()["escalation_contact"].status == compliance.OK


def test_escalation_contact_without_phone_or_not_public_is_red(complete_cfmd):
    EscalationContact.objects.update(phone="")
    assert statuses()["escalation_contact"].status == compliance.BAD
    EscalationContact.objects.update(phone="+45 1", is_public=False)
    assert statuses()["escalation_contact"].findings == ["No public escalation contact is named."]


def test_roadmap_reviewed_more_than_12_months_ago_is_red(complete_cfmd):
    RoadmapStatement.objects.update(reviewed_on=TODAY - dt.timedelta(days=400))
    assert statuses()["product_roadmap"].status == compliance.BAD


def test_roadmap_without_an_upcoming_release_needs_attention(complete_cfmd):
    PlannedRelease.objects.update(status="cancelled")
    assert statuses()["product_roadmap"].status == compliance.WARN


def test_escrow_deposit_older_than_12_months_is_red(complete_cfmd):
    EvidenceRecord.objects.filter(kind=EvidenceKind.ESCROW).update(dated_on=TODAY - dt.timedelta(days=370))
    result = statuses()["source_code_escrow"]
    assert result.status == compliance.BAD
    assert any("more than 12 months ago" in f for f in result.findings)


def test_expired_customer_reference_is_red_and_a_missing_one_too(complete_cfmd):
    EvidenceRecord.objects.filter(kind=EvidenceKind.CUSTOMER_REFERENCE).update(valid_until=TODAY - dt.timedelta(days=1))
    assert statuses()["customer_evidence"].status == compliance.BAD
    EvidenceRecord.objects.filter(kind=EvidenceKind.CUSTOMER_REFERENCE).delete()
    assert statuses()["customer_evidence"].findings == ["No customer reference is recorded."]


def test_evidence_expiring_within_30_days_needs_attention(complete_cfmd):
    EvidenceRecord.objects.filter(kind=EvidenceKind.COMPETENCY).update(valid_until=TODAY + dt.timedelta(days=10))
    assert statuses()["competency"].status == compliance.WARN


def test_a_single_support_channel_is_red(complete_cfmd):
    SupportChannel.objects.filter(kind="email").update(is_active=False)
    result = statuses()["support_contacts"]
    assert result.status == compliance.BAD
    assert "No email or phone channel is listed." in result.findings


def test_the_status_on_a_past_date_uses_the_data_as_it_stood_then(complete_cfmd, now):
    # The evidence records were created "now": a year earlier none of them existed.
    year_ago = TODAY - dt.timedelta(days=365)
    past = {r.code: r.status for r in compliance.cfmd_requirements(on=year_ago, at=moment_for(year_ago))}
    assert past["source_code_escrow"] == compliance.BAD
    assert past["product_roadmap"] == compliance.BAD
    assert statuses()["source_code_escrow"].status == compliance.OK
