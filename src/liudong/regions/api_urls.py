from rest_framework.routers import SimpleRouter

from liudong.regions.api import PlaceViewSet

router = SimpleRouter()
router.register("places", PlaceViewSet, basename="place")

urlpatterns = router.urls
