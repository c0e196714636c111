"""Every stored e-mail address in the one normalised form (`accounts.emails`), and unique.

auth.User is Django's model, so its `Meta` cannot carry the constraint: this migration adds
it to the `auth_user` table through the schema editor (no hand-written SQL), as a unique
index on lower(email) for the accounts that have an address. The services write only
normalised addresses and compare them with `=` (`accounts.selectors.user_with_email`); the
index is the guarantee behind them, for every other write path (the admin, createsuperuser,
a shell) too: no two accounts can share an address, whatever its case.

Two existing accounts whose addresses are equal once normalised stop the migration, naming
them: which one keeps the address is a person's decision, not a migration's.

Pending invitations are normalised too; one whose address changes (an IDN domain written in
Unicode) needs sending again, as its link carries the old spelling.
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Lower

from accounts.emails import email_canonical

CONSTRAINT = models.UniqueConstraint(
    Lower("email"), condition=~models.Q(email=""), name="auth_user_email_ci_unique"
)


def _user_model(apps):
    return apps.get_model(*settings.AUTH_USER_MODEL.split("."))


def normalise(apps, schema_editor):
    User = _user_model(apps)
    seen: dict[str, int] = {}
    clashes = []
    for pk, email in User.objects.exclude(email="").order_by("pk").values_list("pk", "email"):
        canonical = email_canonical(email)
        if canonical in seen:
            clashes.append(f"{canonical}: users {seen[canonical]} and {pk}")
            continue
        seen[canonical] = pk
        if canonical != email:
            User.objects.filter(pk=pk).update(email=canonical)
    if clashes:
        raise RuntimeError("Accounts share an e-mail address; give each one its own first:\n" + "\n".join(clashes))
    Invitation = apps.get_model("accounts", "Invitation")
    for pk, email in Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True).values_list(
        "pk", "email"
    ):
        if email_canonical(email) != email:
            Invitation.objects.filter(pk=pk).update(email=email_canonical(email))


def add_unique_index(apps, schema_editor):
    schema_editor.add_constraint(_user_model(apps), CONSTRAINT)


def remove_unique_index(apps, schema_editor):
    schema_editor.remove_constraint(_user_model(apps), CONSTRAINT)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        # After auth's last change of its user table: on SQLite an AlterField rebuilds the
        # table and drops indexes its model state does not know, this one included.
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(normalise, migrations.RunPython.noop),
        migrations.RunPython(add_unique_index, remove_unique_index),
    ]
