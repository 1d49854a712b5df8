from django.urls import path
from rest_framework.routers import SimpleRouter

from liudong.analytics import api

router = SimpleRouter()
router.register("analytics/targets", api.CoverageTargetViewSet, basename="coveragetarget")

urlpatterns = [
    path("analytics/dashboard/", api.dashboard, name="analytics-dashboard"),
    path("analytics/distribution/", api.distribution, name="analytics-distribution"),
    path("analytics/flow-lines/", api.flow_lines, name="analytics-flow-lines"),
    path("analytics/trends/", api.trends, name="analytics-trends"),
    path("analytics/report/", api.report, name="analytics-report"),
    *router.urls,
]
