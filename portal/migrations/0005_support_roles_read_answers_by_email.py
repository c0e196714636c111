"""The support roles read what the inbound poll did with each answer by e-mail (issue 27)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ["Support engineers", "Support leads", "Support managers"]


def grant(apps, schema_editor):
    config = apps.get_app_config("incidents")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.filter(content_type__app_label="incidents", codename="view_inboundmessage")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        group.permissions.add(*view)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0004_scheduler_heartbeat"),
        ("incidents", "0006_inbound_messages"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
