"""The member's phone pages (mounted at the site root: ``/a/<token>/`` is the QR link)."""

from django.urls import path

from liudong.activities import views_member

app_name = "activity_member"

urlpatterns = [
    path("a/<str:token>/", views_member.scan, name="scan"),
    path("m/activities/", views_member.coming, name="coming"),
    path("m/activities/<int:pk>/", views_member.detail, name="detail"),
    path("m/activities/<int:pk>/sign-up/", views_member.sign_up, name="sign_up"),
    path("m/activities/<int:pk>/withdraw/", views_member.withdraw, name="withdraw"),
]
