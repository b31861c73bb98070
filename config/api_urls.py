from rest_framework.routers import DefaultRouter

from carecast.channels.apis import PublishJobViewSet
from carecast.content.apis import ContentItemViewSet

router = DefaultRouter()
router.register("content-items", ContentItemViewSet, basename="content-item")
router.register("publish-jobs", PublishJobViewSet, basename="publish-job")
urlpatterns = router.urls
