from django.urls import path  # noqa: F401

app_name = "cycle"

urlpatterns: list = []
