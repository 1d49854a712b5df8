"""Statistics pages (统计分析)."""

from django.urls import path
from django.views.generic import RedirectView

from liudong.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="analytics:dashboard", query_string=True)),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("wall/", views.wall, name="wall"),
    path("map/", views.map_page, name="map"),
    path("map/geo/<str:name>.json", views.geo, name="geo"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/targets/", views.target_set, name="target_set"),
    path("coverage/targets/<int:pk>/delete/", views.target_delete, name="target_delete"),
    path("trends/", views.trends, name="trends"),
    path("reports/", views.report, name="report"),
]
