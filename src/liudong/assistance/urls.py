"""Staff pages of the service requests (mounted at ``/requests/``)."""

from django.urls import path

from liudong.assistance import views

app_name = "assistance"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.new_for_member, name="new"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/note/", views.note, name="note"),
    path("<int:pk>/refer/", views.refer, name="refer"),
    path("<int:pk>/resolve/", views.resolve, name="resolve"),
    path("<int:pk>/refuse/", views.refuse, name="refuse"),
    path("<int:pk>/attach/", views.attach, name="attach"),
    path("files/<int:pk>/", views.attachment, name="attachment"),
]
