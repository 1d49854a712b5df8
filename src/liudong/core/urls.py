from django.urls import path

from liudong.core import views

app_name = "core"

urlpatterns = [
    path("audit/", views.audit_list, name="audit_list"),
    path("attention/", views.attention_bell, name="attention"),
    path("healthz", views.healthz, name="healthz"),
]
