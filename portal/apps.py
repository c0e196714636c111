from django.apps import AppConfig

from core.public_version import public_version_bump


class PortalConfig(AppConfig):
    name = "portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from portal.middleware import last_seen_on_login

        # Signing in counts as activity: the first page after it need not write the session.
        user_logged_in.connect(last_seen_on_login, dispatch_uid="portal.last_seen_on_login")
        # A data migration may change what the public pages show.
        post_migrate.connect(public_version_bump, dispatch_uid="portal.public_pages_after_migrate")
