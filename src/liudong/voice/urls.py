"""Desktop pages of the members' voice (mounted at ``/voice/``)."""

from django.urls import path

from liudong.voice import views, views_policy

app_name = "voice"

urlpatterns = [
    path("suggestions/", views.suggestion_list, name="suggestions"),
    path("suggestions/new/", views.new_for_member, name="suggestion_new"),
    path("suggestions/<int:pk>/", views.suggestion_detail, name="suggestion"),
    path("suggestions/<int:pk>/route/", views.route, name="suggestion_route"),
    path("suggestions/<int:pk>/answer/", views.answer, name="suggestion_answer"),
    path("suggestions/<int:pk>/approve/", views.approve, name="suggestion_approve"),
    path("suggestions/<int:pk>/send-back/", views.send_back, name="suggestion_send_back"),
    path("suggestions/<int:pk>/adopt/", views.adopt, name="suggestion_adopt"),
    path("suggestions/<int:pk>/attach/", views.attach, name="suggestion_attach"),
    path("suggestions/files/<int:pk>/", views.attachment, name="suggestion_file"),
    path("departments/", views.departments, name="departments"),
    path("departments/<int:pk>/", views.department, name="department"),
    path("notices/", views_policy.notice_list, name="notices"),
    path("notices/new/", views_policy.notice_new, name="notice_new"),
    path("notices/<int:pk>/", views_policy.notice_detail, name="notice"),
    path("notices/files/<int:pk>/", views_policy.notice_file, name="notice_file"),
    path("notices/<int:pk>/withdraw/", views_policy.notice_withdraw, name="notice_withdraw"),
    path("faq/", views_policy.faq, name="faq"),
    path("jobs/", views_policy.job_list, name="jobs"),
    path("jobs/new/", views_policy.job_new, name="job_new"),
    path("jobs/<int:pk>/", views_policy.job_detail, name="job"),
    path("jobs/interest/<int:pk>/outcome/", views_policy.job_outcome, name="job_outcome"),
]
