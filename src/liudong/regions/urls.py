from django.urls import path

from liudong.regions import views

app_name = "regions"

urlpatterns = [
    path("", views.place_list, name="list"),
]
