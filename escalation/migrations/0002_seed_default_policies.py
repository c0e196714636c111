"""Seed an escalation policy per severity (for every plan): warning at 75 % of the
response target, breach at 100 %, then levels 2 and 3 after more business time.

Editable afterwards in the admin; a severity that already has a default policy keeps it.
"""

from django.db import migrations

# severity -> [(kind, name, percent, extra minutes, assignee, groups)]
STEPS = {
    "A": [
        ("warning", "Warning", 75, 0, True, ["Support leads"]),
        ("breach", "Breach", 100, 0, True, ["Support leads"]),
        ("level", "Level 2", 100, 30, True, ["Support leads", "Support managers"]),
        ("level", "Level 3", 100, 120, True, ["Support managers"]),
    ],
    "B": [
        ("warning", "Warning", 75, 0, True, []),
        ("breach", "Breach", 100, 0, True, ["Support leads"]),
        ("level", "Level 2", 100, 60, True, ["Support leads"]),
        ("level", "Level 3", 100, 240, True, ["Support managers"]),
    ],
    "C": [
        ("warning", "Warning", 75, 0, True, []),
        ("breach", "Breach", 100, 0, True, ["Support leads"]),
        ("level", "Level 2", 100, 480, True, ["Support leads", "Support managers"]),
    ],
}


def seed(apps, schema_editor):
    Severity = apps.get_model("sla", "Severity")
    Group = apps.get_model("auth", "Group")
    Policy = apps.get_model("escalation", "EscalationPolicy")
    Step = apps.get_model("escalation", "EscalationStep")
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ("Support leads", "Support managers")}
    for code, steps in STEPS.items():
        severity = Severity.objects.filter(code=code).first()
        if severity is None or Policy.objects.filter(severity=severity, plan__isnull=True).exists():
            continue
        policy = Policy.objects.create(name=f"Severity {code}", severity=severity, plan=None, is_active=True)
        for kind, name, percent, extra, assignee, group_names in steps:
            step = Step.objects.create(
                policy=policy,
                kind=kind,
                name=name,
                percent_of_target=percent,
                extra_minutes=extra,
                notify_assignee=assignee,
            )
            step.notify_groups.set([groups[g] for g in group_names])


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0001_initial"),
        ("sla", "0002_seed_defaults"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
