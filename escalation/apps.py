from django.apps import AppConfig

from core.public_version import public_models_watch


class EscalationConfig(AppConfig):
    name = "escalation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from escalation.models import EscalationContact, EscalationPolicy, EscalationStep

        # The escalation and contacts pages (not events and requests: the sweep writes those).
        public_models_watch(EscalationContact, EscalationPolicy, EscalationStep)
