from django.apps import AppConfig


class AudiencesConfig(AppConfig):
    name = "carecast.audiences"
    label = "audiences"
    verbose_name = "Audiences"

    def ready(self) -> None:
        from carecast.audiences import audit_actions  # noqa: F401
