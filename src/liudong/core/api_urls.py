from rest_framework.routers import SimpleRouter

from liudong.core.api_views import AuditEventViewSet

router = SimpleRouter()
router.register("audit-events", AuditEventViewSet, basename="auditevent")

urlpatterns = router.urls
