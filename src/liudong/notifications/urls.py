from django.urls import path

from liudong.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.centre, name="centre"),
    path("<int:pk>/open/", views.open_notification, name="open"),
    path("read/", views.mark_read, name="read"),
    path("read-all/", views.mark_all_read, name="read_all"),
]
