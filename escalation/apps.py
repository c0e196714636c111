from django.apps import AppConfig


class EscalationConfig(AppConfig):
    name = "escalation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from escalation import watcher as services
        from sla import clock as sla

        # The watcher's configuration snapshot is versioned with the SLA policy (one query).
        sla.versioned_models_register(*services.VERSIONED_MODELS)
        for model in services.VERSIONED_MODELS:
            uid = f"watch-config-{model.__name__}"
            post_save.connect(services.watch_config_clear, sender=model, dispatch_uid=f"{uid}-saved")
            post_delete.connect(services.watch_config_clear, sender=model, dispatch_uid=f"{uid}-deleted")
