from django.urls import path
from rest_framework.routers import DefaultRouter

from carecast.channels.apis import PublishJobViewSet
from carecast.compliance.apis import ContentItemReviewViewSet
from carecast.content.apis import ConversionView

router = DefaultRouter()
router.register("content-items", ContentItemReviewViewSet, basename="content-item")
router.register("publish-jobs", PublishJobViewSet, basename="publish-job")
urlpatterns = [*router.urls, path("conversions/", ConversionView.as_view(), name="conversions")]
