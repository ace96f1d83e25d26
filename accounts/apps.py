from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        from django.contrib import messages
        from django.contrib.auth.signals import user_logged_out

        def said_on_sign_out(sender, request, user, **kwargs) -> None:
            # The page after signing out looked the same as before but for the bar: say it.
            # (Kept in the messages cookie, not the session that logout() empties.)
            if request is not None and user is not None:
                messages.info(request, "You are signed out.", fail_silently=True)

        user_logged_out.connect(said_on_sign_out, dispatch_uid="accounts.said_on_sign_out")
