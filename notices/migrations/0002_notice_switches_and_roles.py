"""The support roles' permissions on notices: engineers read the sent log and the versions
organisations run; managers also switch kinds on and off and record versions. One switch row per kind, on."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ENGINEER = ["view_sentnotice", "view_noticeswitch", "view_organizationversion", "view_organizationwithoutsupportcontact"]
MANAGER = [*ENGINEER, "change_noticeswitch", "add_organizationversion", "change_organizationversion",
           "delete_organizationversion"]


KINDS = ["welcome", "upgrade", "renewal", "lapsed_35", "lapsed_180", "eos_12m", "eos_6m", "eos_30d"]


def grant(apps, schema_editor):
    NoticeSwitch = apps.get_model("notices", "NoticeSwitch")
    for kind in KINDS:  # one switch per kind, on
        NoticeSwitch.objects.get_or_create(kind=kind)
    app_config = apps.get_app_config("notices")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (
        ("Support engineers", ENGINEER),
        ("Support leads", ENGINEER),
        ("Support managers", MANAGER),
    ):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="notices", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0001_sent_notices_switches_and_versions_run"),
        ("portal", "0002_support_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
