"""The member's phone pages of service requests (mounted at the site root, under ``m/``)."""

from django.urls import path

from liudong.assistance import views_member

app_name = "assistance_m"

urlpatterns = [
    path("m/requests/", views_member.my_requests, name="list"),
    path("m/requests/new/", views_member.new_request, name="new"),
    path("m/requests/<int:pk>/", views_member.detail, name="detail"),
    path("m/requests/<int:pk>/rate/", views_member.rate, name="rate"),
    path("m/requests/<int:pk>/attach/", views_member.attach, name="attach"),
]
