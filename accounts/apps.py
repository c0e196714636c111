from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save, pre_save

        from accounts.auth import password_change_note, preferences_on_login, tokens_revoke_on_password_change
        from accounts.two_factor import has_device_on_login

        # Django's one hook for every way of signing in (as its own `update_last_login`).
        user_logged_in.connect(preferences_on_login, dispatch_uid="accounts.preferences_on_login")
        user_logged_in.connect(has_device_on_login, dispatch_uid="accounts.two_factor_has_device_on_login")
        user = get_user_model()
        pre_save.connect(password_change_note, sender=user, dispatch_uid="accounts.password_change_note")
        post_save.connect(tokens_revoke_on_password_change, sender=user, dispatch_uid="accounts.tokens_revoke")
