from django.urls import path

from liudong.census import views

app_name = "census"

urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("template/", views.template_download, name="template"),
    path("conflicts/", views.conflict_list, name="conflicts"),
    path("conflicts/<int:pk>/", views.conflict_resolve, name="conflict"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("rounds/<int:pk>/upload/", views.upload, name="upload"),
    path("rounds/<int:pk>/export/", views.round_export, name="round_export"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("submissions/<int:pk>/progress/", views.submission_progress, name="progress"),
    path("submissions/<int:pk>/commit/", views.submission_commit, name="commit"),
    path("submissions/<int:pk>/cancel/", views.submission_cancel, name="cancel"),
    path("submissions/<int:pk>/errors.xlsx", views.submission_errors, name="errors"),
]
