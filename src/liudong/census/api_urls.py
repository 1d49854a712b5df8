from django.urls import path

from liudong.census import api

urlpatterns = [
    path("census/rounds/", api.rounds, name="census-rounds"),
    path("census/rounds/<int:pk>/", api.round_detail, name="census-round"),
]
