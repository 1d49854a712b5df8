from rest_framework.routers import SimpleRouter

from liudong.activities.api import ActivityViewSet, AttendanceViewSet

router = SimpleRouter()
router.register("activities", ActivityViewSet, basename="activity")
router.register("activity-attendance", AttendanceViewSet, basename="activity-attendance")

urlpatterns = router.urls
