from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from carecast.audiences.public import text_inbound, unsubscribe
from carecast.compliance.public import policy_page
from carecast.core.views import healthz
from carecast.web.planning import calendar_ics, short_link

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("carecast.accounts.urls")),
    path("audit/", include("carecast.core.urls")),
    path("compliance/", include("carecast.compliance.urls")),
    path("b/", include("carecast.channels.urls")),
    path("l/<slug:code>", short_link, name="short_link"),
    path("ical/<str:token>.ics", calendar_ics, name="calendar_ics"),
    path("u/<str:token>", unsubscribe, name="unsubscribe"),
    path("sms/inbound/<int:account_id>/", text_inbound, name="text_inbound"),
    path("policies/<slug:org_slug>/<slug:kind>/", policy_page, name="policy"),
    path("api/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("operator/", admin.site.urls),
    path("", include("carecast.web.urls")),
]
