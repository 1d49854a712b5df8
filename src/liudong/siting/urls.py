from django.urls import path

from liudong.siting import views, views_sites

app_name = "siting"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_new, name="new"),
    path("compare/", views.plan_compare, name="compare"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/export/", views.plan_export, name="export"),
    path("<int:pk>/convert/", views.plan_convert, name="convert"),
    path("<int:pk>/delete/", views.plan_delete, name="delete"),
    path("sites/", views_sites.site_list, name="sites"),
    path("sites/new/", views_sites.site_new, name="site_new"),
    path("sites/<int:pk>/edit/", views_sites.site_edit, name="site_edit"),
    path("sites/import/", views_sites.site_import, name="site_import"),
    path("sites/template.xlsx", views_sites.site_template, name="site_template"),
]
