from django.urls import path

from liudong.siting import views

app_name = "siting"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_new, name="new"),
    path("compare/", views.plan_compare, name="compare"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/export/", views.plan_export, name="export"),
    path("<int:pk>/convert/", views.plan_convert, name="convert"),
    path("<int:pk>/delete/", views.plan_delete, name="delete"),
]
