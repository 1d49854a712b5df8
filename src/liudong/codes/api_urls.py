from rest_framework.routers import SimpleRouter

from liudong.codes.api import CodeTableViewSet, CodeViewSet

router = SimpleRouter()
router.register("code-tables", CodeTableViewSet, basename="codetable")
router.register("codes", CodeViewSet, basename="code")

urlpatterns = router.urls
