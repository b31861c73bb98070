from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "carecast.web"
    label = "web"
    verbose_name = "Web UI"
