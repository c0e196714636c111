"""`Incident.announce` ("", "webhook", "all") becomes `announcement` with named choices."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    Incident.objects.filter(announcement="all").update(announcement="webhook_emails")


def backwards(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    Incident.objects.filter(announcement="webhook_emails").update(announcement="all")


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0004_incident_calendar_version"),
    ]

    operations = [
        migrations.RenameField(model_name="incident", old_name="announce", new_name="announcement"),
        migrations.AlterField(
            model_name="incident",
            name="announcement",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "Nothing left to announce"),
                    ("webhook", "The created webhook"),
                    ("webhook_emails", "The created webhook and the new-incident e-mails"),
                ],
                default="",
                editable=False,
                max_length=16,
                verbose_name="announcement",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
