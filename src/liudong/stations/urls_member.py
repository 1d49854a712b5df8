"""The member's phone pages (mounted at the site root: ``/s/<token>/`` is the QR link)."""

from django.urls import path

from liudong.stations import views_member

app_name = "checkin"

urlpatterns = [
    path("s/<str:token>/", views_member.station_page, name="station"),
    path("m/check-in/", views_member.nearby, name="nearby"),
    path("m/check-ins/<int:pk>/", views_member.detail, name="detail"),
    path("m/check-ins/<int:pk>/cancel/", views_member.cancel, name="cancel"),
    path("m/check-ins/<int:pk>/check-out/", views_member.check_out, name="check_out"),
]
