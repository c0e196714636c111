"""Support leads edit policies, contacts and webhooks in the admin; the logs are read only."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from escalation.models import EscalationPolicy, EscalationStep, StepKind
from escalation.watcher import escalation_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_lead(client):
    from tests.factories import StaffFactory

    client.force_login(StaffFactory(username="sue.super", group="Support managers", superuser=True))
    return client


@pytest.mark.parametrize(
    "model",
    [
        "escalationpolicy",
        "escalationcontact",
        "escalationevent",
        "escalationrequest",
    ],
)
def test_every_escalation_admin_list_opens(admin_client_lead, model):
    assert admin_client_lead.get(reverse(f"admin:escalation_{model}_changelist")).status_code == 200


@pytest.mark.parametrize("model", ["webhookendpoint", "delivery"])
def test_the_outbox_admin_lists_open(admin_client_lead, model):
    assert admin_client_lead.get(reverse(f"admin:notify_{model}_changelist")).status_code == 200


def test_editing_a_policy_reschedules_its_open_incidents_after_commit(
    admin_client_lead, file_incident, now, django_capture_on_commit_callbacks, monkeypatch
):
    from escalation import tasks

    incident = file_incident(at=now)
    policy = EscalationPolicy.objects.get(severity__code="A", plan__isnull=True)
    steps = list(policy.steps.all())
    data = {
        "name": policy.name,
        "severity": policy.severity_id,
        "plan": "",
        "is_active": "on",
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": str(len(steps)),
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for i, step in enumerate(steps):
        percent = 50 if step.kind == StepKind.WARNING else step.percent_of_target
        data.update(
            {
                f"steps-{i}-id": str(step.pk),
                f"steps-{i}-policy": str(policy.pk),
                f"steps-{i}-kind": step.kind,
                f"steps-{i}-name": step.name,
                f"steps-{i}-percent_of_target": str(percent),
                f"steps-{i}-extra_minutes": str(step.extra_minutes),
                f"steps-{i}-notify_assignee": "on",
            }
        )
    refreshed = []
    monkeypatch.setattr(tasks.policy_refresh, "delay", refreshed.append)
    url = reverse("admin:escalation_escalationpolicy_change", args=[policy.pk])
    # Before it is saved, the form says how many open incidents the change applies to.
    assert "Open incidents this policy covers now: 1." in admin_client_lead.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_lead.post(url, data)
    assert response.status_code == 200
    assert "This change applies to 1 open incidents" in response.content.decode()
    assert EscalationStep.objects.get(policy=policy, kind=StepKind.WARNING).percent_of_target == 75
    assert refreshed == []
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_lead.post(url, {**data, "apply_to_open_incidents": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert EscalationStep.objects.get(policy=policy, kind=StepKind.WARNING).percent_of_target == 50
    assert refreshed == [policy.pk]
    with time_machine.travel(now, tick=False):
        tasks.policy_refresh(policy.pk)
    incident.refresh_from_db()
    assert incident.next_check_at == now  # the next sweep plans it again
    escalation_sweep(now=now)
    incident.refresh_from_db()
    assert incident.next_check_at == now + (incident.response_due_at - now) / 2


def test_a_policy_without_open_incidents_is_saved_without_confirmation(admin_client_lead, sla):
    policy = EscalationPolicy.objects.get(severity__code="C", plan__isnull=True)
    url = reverse("admin:escalation_escalationpolicy_change", args=[policy.pk])
    assert "Open incidents this policy covers now: 0." in admin_client_lead.get(url).content.decode()
    data = {
        "name": "Severity C, renamed",
        "severity": policy.severity_id,
        "plan": "",
        "is_active": "on",
        "steps-TOTAL_FORMS": "0",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    assert admin_client_lead.post(url, data).status_code == 302
    assert EscalationPolicy.objects.get(pk=policy.pk).name == "Severity C, renamed"


def test_a_breach_step_must_be_at_the_full_target(sla):
    from django.core.exceptions import ValidationError

    step = EscalationStep(
        policy=EscalationPolicy.objects.first(), kind=StepKind.BREACH, name="Breach", percent_of_target=90
    )
    with pytest.raises(ValidationError):
        step.clean()
