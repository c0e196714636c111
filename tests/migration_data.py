"""Rows that data migrations create, restored for transactional tests.

A transactional test ends with a flush of every table, which removes what the data
migrations seeded (the SLA policy, the support roles, the default escalation policies);
`serialized_rollback` does not survive Playwright's event loop. Each seed is idempotent.
"""

from __future__ import annotations

import importlib

from django.apps import apps
from django.contrib.auth.models import Group, Permission


def _migration(name: str):
    return importlib.import_module(name)


def restore() -> None:
    from django.utils import timezone

    started_at = timezone.now()
    _migration("incidents.migrations.0003_seed_sla_defaults").seed(apps, None)
    _migration("incidents.migrations.0005_support_roles").grant_roles(Group, Permission)
    _migration("incidents.migrations.0007_managers_see_api_tokens").grant(apps, None)
    kb_roles = _migration("knowledgebase.migrations.0004_support_roles_write_articles")
    articles = list(Permission.objects.filter(content_type__app_label="knowledgebase", codename__in=kb_roles.CODENAMES))
    for name in kb_roles.ROLES:
        Group.objects.get_or_create(name=name)[0].permissions.add(*articles)
    _migration("escalation.migrations.0003_seed_default_policies").seed(apps, None)
    # A migration writes no history rows; neither does this restore (the CfMD pages read
    # "never edited since published" from their absence).
    for app_label in ("incidents", "escalation"):
        for model in apps.get_app_config(app_label).get_models():
            if model.__name__.startswith("Historical"):
                model.objects.filter(history_date__gte=started_at).delete()
