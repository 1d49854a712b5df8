from django.urls import path

from liudong.stations import views, views_running

app_name = "stations"

urlpatterns = [
    path("", views.station_list, name="list"),
    path("new/", views_running.station_open, name="open"),
    path("<int:pk>/", views.station_detail, name="detail"),
    path("<int:pk>/edit/", views_running.station_edit, name="edit"),
    path("<int:pk>/relocate/", views_running.station_relocate, name="relocate"),
    path("<int:pk>/suspend/", views_running.station_step, {"step": "suspend"}, name="suspend"),
    path("<int:pk>/reopen/", views_running.station_step, {"step": "reopen"}, name="reopen"),
    path("<int:pk>/close/", views_running.station_step, {"step": "close"}, name="close"),
    path(
        "<int:pk>/open/",
        views_running.station_step,
        {"step": "open_planned"},
        name="open_planned",
    ),
    path("<int:pk>/staff/", views_running.station_staff, name="staff"),
    path("<int:pk>/poster.svg", views.poster_svg, name="poster_svg"),
    path("<int:pk>/poster.png", views.poster_png, name="poster_png"),
    path("<int:pk>/rotate-qr/", views.rotate_qr, name="rotate_qr"),
    path("<int:pk>/establish/", views.establish, name="establish"),
    path("check-ins/", views.check_in_list, name="check_ins"),
    path("check-ins/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("check-ins/<int:pk>/refuse/", views.refuse, name="refuse"),
]
