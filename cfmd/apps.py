from django.apps import AppConfig

from core.public_version import public_models_watch


class CfmdConfig(AppConfig):
    name = "cfmd"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        public_models_watch(*(m for m in self.get_models() if not m.__name__.startswith("Historical")))
