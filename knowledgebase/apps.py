from django.apps import AppConfig


class KnowledgebaseConfig(AppConfig):
    name = "knowledgebase"
    default_auto_field = "django.db.models.BigAutoField"
