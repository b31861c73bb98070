from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "carecast.channels"
    label = "channels"
    verbose_name = "Channels and publishing"

    def ready(self) -> None:
        from carecast.channels import audit_actions  # noqa: F401
