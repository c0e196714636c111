"""Support managers may see the list of API tokens (name, owner, prefix, use; never the hash)."""

from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(content_type__app_label="portal", codename="view_apitoken").first()
    group = Group.objects.filter(name="Support managers").first()
    if permission is not None and group is not None:
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(content_type__app_label="portal", codename="view_apitoken").first()
    group = Group.objects.filter(name="Support managers").first()
    if permission is not None and group is not None:
        group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0006_queue_open_partial_index")]

    operations = [migrations.RunPython(grant, revoke)]
