from rest_framework.routers import SimpleRouter

from liudong.assistance.api import ServiceRequestViewSet

router = SimpleRouter()
router.register("service-requests", ServiceRequestViewSet, basename="service-request")

urlpatterns = [*router.urls]
