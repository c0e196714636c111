from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.auth import preferences_on_login

        # Django's one hook for every way of signing in (as its own `update_last_login`).
        user_logged_in.connect(preferences_on_login, dispatch_uid="accounts.preferences_on_login")
