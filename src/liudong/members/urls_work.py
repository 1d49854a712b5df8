"""Daily work: contacts, hand-offs between the two sides, alerts, the to-do list."""

from django.urls import path

from liudong.members import views_alerts
from liudong.members import views_work as views

urlpatterns = [
    path("todo/", views.todo, name="todo"),
    path("flows/<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("flows/<int:pk>/handoffs/new/", views.handoff_create, name="handoff_create"),
    path("handoffs/<int:pk>/done/", views.handoff_done, name="handoff_done"),
    path("handoffs/<int:pk>/refuse/", views.handoff_refuse, name="handoff_refuse"),
    path("alerts/", views_alerts.alerts, name="alerts"),
    path("alerts/<int:pk>/resolve/", views.alert_resolve, name="alert_resolve"),
]
