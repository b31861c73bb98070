from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "carecast.compliance"
    label = "compliance"
    verbose_name = "Compliance and review"

    def ready(self) -> None:
        from carecast.compliance import audit_actions  # noqa: F401
