from django.urls import path
from rest_framework.routers import SimpleRouter

from liudong.stations.api import (
    CheckInViewSet,
    PhoneCodeView,
    PhoneTokenView,
    StationDirectoryView,
    StationViewSet,
)

router = SimpleRouter()
router.register("stations", StationViewSet, basename="station")
router.register("check-ins", CheckInViewSet, basename="checkin")

urlpatterns = [
    path("station-directory/", StationDirectoryView.as_view(), name="station-directory"),
    path("auth/phone-code/", PhoneCodeView.as_view(), name="phone-code"),
    path("auth/phone-token/", PhoneTokenView.as_view(), name="phone-token"),
    *router.urls,
]
