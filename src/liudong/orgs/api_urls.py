from rest_framework.routers import SimpleRouter

from liudong.orgs.api import OrganizationViewSet

router = SimpleRouter()
router.register("organizations", OrganizationViewSet, basename="organization")

urlpatterns = router.urls
