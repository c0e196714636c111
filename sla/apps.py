from django.apps import AppConfig

from core.public_version import public_models_watch


class SlaConfig(AppConfig):
    name = "sla"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The SLA page, the calculator, the home page and the CfMD pages show all of it.
        public_models_watch(*(m for m in self.get_models() if not m.__name__.startswith("Historical")))
        from django.db.models.signals import post_delete, post_save

        from sla.models import (
            DateException,
            OpeningInterval,
            RegionLanguage,
            ResponseTarget,
            Severity,
            SupportPlan,
            SupportRegion,
        )
        from sla.services import policy_changed, region_changed

        # Every write to a region's calendar, whoever makes it (the admin, a shell, an
        # import), moves the region's version and writes its calendar's snapshot for that
        # version; every write to a plan, a severity or a response target moves every
        # region's version. The regions' versions are the one version of the SLA:
        # `sla.calendars` keeps calendars, severities and targets by them, and the SLA
        # page's {% cache %} fragments are keyed by them.
        for model in (SupportRegion, OpeningInterval, DateException, RegionLanguage):
            post_save.connect(region_changed, sender=model, dispatch_uid=f"sla.region_changed:{model.__name__}:save")
            post_delete.connect(region_changed, sender=model, dispatch_uid=f"sla.region_changed:{model.__name__}:del")
        for model in (SupportPlan, Severity, ResponseTarget):
            post_save.connect(policy_changed, sender=model, dispatch_uid=f"sla.policy_changed:{model.__name__}:save")
            post_delete.connect(policy_changed, sender=model, dispatch_uid=f"sla.policy_changed:{model.__name__}:del")
