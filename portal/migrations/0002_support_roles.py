"""The support roles as groups: engineers, leads and managers, with their permissions.

The project shell's migration, because the roles span every app: it runs after them all.

Permissions are normally created after `migrate` (post_migrate), so this migration creates
them first for every model present at this point. Re-running it only adds what is missing.

- Support engineers work incidents (view and change incidents, write replies and notes,
  read everything else) and cannot change the SLA policy.
- Support leads also edit the SLA policy (plans, severities, targets, regions and their
  calendars) and the escalation app's models (policy, steps, contacts, ...).
- Support managers also manage contracts and see reports.
- Every support role writes the knowledge base (articles and categories: "create article
  from incident" is part of an engineer's job) and reads its votes and deflection events.
  Deleting stays with superusers: archive an article instead.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ENGINEERS = "Support engineers"
LEADS = "Support leads"
MANAGERS = "Support managers"

SLA_POLICY_MODELS = [
    "supportplan",
    "severity",
    "responsetarget",
    "supportregion",
    "openinginterval",
    "dateexception",
    "regionlanguage",
]
ENGINEER_CODENAMES = {
    "incidents": [
        "view_incident",
        "change_incident",
        "view_comment",
        "add_comment",
        "view_attachment",
        "add_attachment",
        "view_statuschange",
        "view_severitychange",
    ],
    "sla": [f"view_{model}" for model in [*SLA_POLICY_MODELS, "supportchannel"]],
    "accounts": ["view_organization", "view_membership", "view_contract", "view_staffprofile", "view_invitation"],
}
LEAD_CODENAMES = {
    "sla": [f"{action}_{model}" for model in SLA_POLICY_MODELS for action in ("add", "change", "delete", "view")],
}
MANAGER_CODENAMES = {
    "accounts": [
        "add_contract",
        "change_contract",
        "view_contract",
        "add_organization",
        "change_organization",
        "add_membership",
        "change_membership",
        "change_invitation",
        "view_apitoken",
    ],
}
KNOWLEDGE_BASE_CODENAMES = {
    "knowledgebase": [
        "add_article",
        "change_article",
        "view_article",
        "add_category",
        "change_category",
        "view_category",
        "view_articlevote",
        "view_deflectionevent",
    ],
}
# Apps whose every model a role may read (engineers) or fully manage (leads).
ENGINEER_VIEW_APPS = ["escalation", "lifecycle", "knowledgebase", "cfmd", "notify"]
LEAD_ALL_APPS = ["escalation"]


def _permissions(Permission, codenames_by_app):
    found = []
    for app_label, codenames in codenames_by_app.items():
        found += list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
    return found


def grant_roles(Group, Permission):
    """Create the groups and give them their permissions (those that exist)."""
    engineer = _permissions(Permission, ENGINEER_CODENAMES) + _permissions(Permission, KNOWLEDGE_BASE_CODENAMES)
    engineer += list(
        Permission.objects.filter(content_type__app_label__in=ENGINEER_VIEW_APPS, codename__startswith="view_")
    )
    lead = engineer + _permissions(Permission, LEAD_CODENAMES)
    lead += list(Permission.objects.filter(content_type__app_label__in=LEAD_ALL_APPS))
    # Reports: any permission about reports that exists by now (e.g. a reports app's view).
    reports = list(Permission.objects.filter(codename__contains="report"))
    manager = lead + _permissions(Permission, MANAGER_CODENAMES) + reports

    for name, permissions in ((ENGINEERS, engineer), (LEADS, lead), (MANAGERS, manager)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    grant_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[ENGINEERS, LEADS, MANAGERS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("sla", "0002_seed_defaults"),
        ("accounts", "0001_initial"),
        ("lifecycle", "0001_initial"),
        ("incidents", "0001_initial"),
        ("escalation", "0002_seed_default_policies"),
        ("knowledgebase", "0003_suggest_vector"),
        ("cfmd", "0001_initial"),
        ("notify", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
