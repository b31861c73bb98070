from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "carecast.accounts"
    label = "accounts"
    verbose_name = "People and roles"

    def ready(self) -> None:
        from carecast.accounts import audit_actions  # noqa: F401
