from django.apps import AppConfig


class CfmdConfig(AppConfig):
    name = "cfmd"
    default_auto_field = "django.db.models.BigAutoField"
