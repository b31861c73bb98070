from rest_framework.routers import DefaultRouter

from carecast.channels.apis import PublishJobViewSet
from carecast.compliance.apis import ContentItemReviewViewSet

router = DefaultRouter()
router.register("content-items", ContentItemReviewViewSet, basename="content-item")
router.register("publish-jobs", PublishJobViewSet, basename="publish-job")
urlpatterns = router.urls
