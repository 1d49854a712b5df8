from rest_framework.routers import SimpleRouter

from liudong.siting.api import HostSiteViewSet, SitingPlanViewSet

router = SimpleRouter()
router.register("siting-candidates", HostSiteViewSet, basename="siting-candidate")
router.register("siting-plans", SitingPlanViewSet, basename="siting-plan")

urlpatterns = router.urls
