"""Code table pages (字典管理)."""

from django.urls import path

from liudong.codes import views

app_name = "codes"

urlpatterns = [
    path("", views.table_list, name="list"),
    path("new/", views.table_create, name="table_create"),
    path("<slug:key>/", views.table_detail, name="table"),
    path("<slug:key>/new/", views.code_create, name="code_create"),
    path("<slug:key>/<int:pk>/edit/", views.code_edit, name="code_edit"),
    path("<slug:key>/<int:pk>/deactivate/", views.code_deactivate, name="code_deactivate"),
    path("<slug:key>/<int:pk>/reactivate/", views.code_reactivate, name="code_reactivate"),
]
