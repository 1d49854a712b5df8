from django.urls import path

from liudong.stations import views

app_name = "stations"

urlpatterns = [
    path("", views.station_list, name="list"),
    path("<int:pk>/", views.station_detail, name="detail"),
    path("<int:pk>/poster.svg", views.poster_svg, name="poster_svg"),
    path("<int:pk>/poster.png", views.poster_png, name="poster_png"),
    path("<int:pk>/rotate-qr/", views.rotate_qr, name="rotate_qr"),
    path("<int:pk>/establish/", views.establish, name="establish"),
    path("check-ins/", views.check_in_list, name="check_ins"),
    path("check-ins/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("check-ins/<int:pk>/refuse/", views.refuse, name="refuse"),
]
