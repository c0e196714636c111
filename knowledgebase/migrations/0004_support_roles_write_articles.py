"""Support engineers, leads and managers write the knowledge base.

The support roles (incidents 0005) give engineers read access to this app; writing articles
and categories is part of their job ("create article from incident"), so every support role
gets add/change/view on articles and categories, and view on votes and deflection events.
Deleting stays with superusers: archive an article instead.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ["Support engineers", "Support leads", "Support managers"]
CODENAMES = [
    "add_article",
    "change_article",
    "view_article",
    "add_category",
    "change_category",
    "view_category",
    "view_articlevote",
    "view_deflectionevent",
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("knowledgebase")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(Permission.objects.filter(content_type__app_label="knowledgebase", codename__in=CODENAMES))
    for name in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="knowledgebase", codename__in=[c for c in CODENAMES if not c.startswith("view_")]
    )
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("knowledgebase", "0003_suggest_vector"),
        ("incidents", "0005_support_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
