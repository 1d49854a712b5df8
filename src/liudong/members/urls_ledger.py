"""Ledger pages: the four ledgers and their export, all members, a member's page and forms."""

from django.urls import path

from liudong.members import views_ledger as views

urlpatterns = [
    path(
        "out-of-province/",
        views.ledger,
        {"ledger": "out_of_province"},
        name="ledger_out_of_province",
    ),
    path("out-of-city/", views.ledger, {"ledger": "out_of_city"}, name="ledger_out_of_city"),
    path("out-of-county/", views.ledger, {"ledger": "out_of_county"}, name="ledger_out_of_county"),
    path("inflow/", views.ledger, {"ledger": "inflow"}, name="ledger_inflow"),
    path("export/<slug:ledger>/", views.ledger_export, name="ledger_export"),
    path("members/", views.member_list, name="member_list"),
    path("members/new/", views.member_create, name="member_create"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/reveal/", views.member_reveal, name="member_reveal"),
    path("members/<int:pk>/flows/new/", views.flow_create, name="flow_create"),
    path("flows/<int:pk>/transition/", views.flow_transition, name="flow_transition"),
]
