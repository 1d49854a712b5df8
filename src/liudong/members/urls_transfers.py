"""Transfers of membership (转接) and the dismissal of a refused hand-off."""

from django.urls import path

from liudong.members import views_transfers as views

urlpatterns = [
    path("transfers/", views.transfer_list, name="transfers"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/accept/", views.transfer_accept, name="transfer_accept"),
    path("transfers/<int:pk>/refuse/", views.transfer_refuse, name="transfer_refuse"),
    path("transfers/<int:pk>/confirm/", views.transfer_confirm, name="transfer_confirm"),
    path("members/<int:pk>/transfer/", views.transfer_create, name="transfer_create"),
    path("handoffs/<int:pk>/dismiss/", views.handoff_dismiss, name="handoff_dismiss"),
]
