from rest_framework.routers import SimpleRouter

from liudong.siting.api import HostSiteViewSet

router = SimpleRouter()
router.register("siting-candidates", HostSiteViewSet, basename="siting-candidate")

urlpatterns = router.urls
