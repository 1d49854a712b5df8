"""The home page. Its URL keeps its name ``core:home`` (templates, settings and links use it):
the project's URL map includes these patterns in the ``core`` namespace."""

from django.urls import path

from liudong.workbench import views

urlpatterns = [
    path("home/", views.home, name="home"),
]
