from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "carecast.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from carecast.core import audit_actions  # noqa: F401  (registers the core action names)
