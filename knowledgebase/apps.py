from django.apps import AppConfig

from core.public_version import public_models_watch


class KnowledgebaseConfig(AppConfig):
    name = "knowledgebase"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from knowledgebase.models import Article, Category

        # The help centre (not votes and deflection events: a voter's page is not cached).
        public_models_watch(Article, Category)
