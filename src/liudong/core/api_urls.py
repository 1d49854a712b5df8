from django.urls import path
from rest_framework.routers import SimpleRouter

from liudong.core.api_views import AttentionView, AuditEventViewSet

router = SimpleRouter()
router.register("audit-events", AuditEventViewSet, basename="auditevent")

urlpatterns = [path("attention/", AttentionView.as_view(), name="attention"), *router.urls]
