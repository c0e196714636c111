from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from portal.middleware import last_seen_on_login

        # Signing in counts as activity: the first page after it need not write the session.
        user_logged_in.connect(last_seen_on_login, dispatch_uid="portal.last_seen_on_login")
