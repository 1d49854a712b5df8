from django.urls import path
from rest_framework.routers import SimpleRouter

from liudong.stations.api import (
    CheckInViewSet,
    PhoneCodeView,
    PhoneTokenView,
    StationDirectoryView,
    check_ins,
)
from liudong.stations.api_stations import StationViewSet

router = SimpleRouter()
router.register("stations", StationViewSet, basename="station")
router.register("check-ins", CheckInViewSet, basename="checkin")

urlpatterns = [
    # Before the router's own pattern for the same path (which the schema still describes).
    path("check-ins/", check_ins, name="checkin-list"),
    path("station-directory/", StationDirectoryView.as_view(), name="station-directory"),
    path("auth/phone-code/", PhoneCodeView.as_view(), name="phone-code"),
    path("auth/phone-token/", PhoneTokenView.as_view(), name="phone-token"),
    *router.urls,
]
