from django.urls import path

from liudong.activities import views

app_name = "activities"

urlpatterns = [
    path("", views.activity_list, name="list"),
    path("plan/", views.plan, name="plan"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/summary/", views.summary, name="summary"),
    path("<int:pk>/attendance/", views.mark, name="mark"),
    path("<int:pk>/poster/", views.poster, name="poster"),
    path("attendance/<int:pk>/hours/", views.hours, name="hours"),
    path("<int:pk>/photos/", views.add_photos, name="add_photos"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("photos/<int:pk>/remove/", views.remove_photo, name="remove_photo"),
]
