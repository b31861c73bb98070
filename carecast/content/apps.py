from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "carecast.content"
    label = "content"
    verbose_name = "Content"

    def ready(self) -> None:
        from carecast.content import audit_actions  # noqa: F401
