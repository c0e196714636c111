"""Rows that data migrations create, restored for transactional tests.

A transactional test ends with a flush of every table, which removes what the data
migrations seeded (the SLA policy, the support roles, the default escalation policies);
`serialized_rollback` does not survive Playwright's event loop. Each seed is idempotent.
"""

from __future__ import annotations

import importlib

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.utils import timezone


def _migration(name: str):
    return importlib.import_module(name)


def restore() -> None:
    started_at = timezone.now()
    _migration("sla.migrations.0002_seed_defaults").seed(apps, None)
    _migration("sla.migrations.0004_calendar_snapshots_one_version").seed(apps, None)
    _migration("portal.migrations.0002_support_roles").grant_roles(Group, Permission)
    _migration("escalation.migrations.0002_seed_default_policies").seed(apps, None)
    # A migration writes no history rows; neither does this restore (the CfMD pages read
    # "never edited since published" from their absence).
    for app_label in ("sla", "escalation"):
        for model in apps.get_app_config(app_label).get_models():
            if model.__name__.startswith("Historical"):
                model.objects.filter(history_date__gte=started_at).delete()
