"""Staff pages of the yearly cycle (mounted at ``/cycle/``)."""

from django.urls import path

from liudong.cycle import views

app_name = "cycle"

urlpatterns = [
    path("dues/", views.dues, name="dues"),
    path("dues/statement/", views.dues_statement, name="statement"),
    path("dues/members/<int:pk>/", views.member_dues, name="member_dues"),
    path("appraisals/", views.appraisals, name="appraisals"),
    path("appraisals/members/<int:pk>/", views.appraisal_new, name="appraisal_new"),
    path("appraisals/<int:pk>/", views.appraisal_detail, name="appraisal"),
]
