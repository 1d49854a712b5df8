"""The member's phone pages of the members' voice (mounted at the site root, under ``m/``)."""

from django.urls import path

from liudong.voice import views_member

app_name = "voice_m"

urlpatterns = [
    path("m/voice/", views_member.index, name="index"),
    path("m/voice/suggestions/", views_member.my_suggestions, name="suggestions"),
    path("m/voice/suggestions/new/", views_member.new_suggestion, name="suggestion_new"),
    path("m/voice/suggestions/<int:pk>/", views_member.suggestion, name="suggestion"),
    path("m/voice/notices/", views_member.notices, name="notices"),
    path("m/voice/notices/<int:pk>/", views_member.notice, name="notice"),
    path("m/voice/notices/files/<int:pk>/", views_member.notice_file, name="notice_file"),
    path("m/voice/faq/", views_member.faq, name="faq"),
    path("m/voice/jobs/", views_member.jobs, name="jobs"),
    path("m/voice/jobs/<int:pk>/", views_member.job, name="job"),
    path("m/voice/jobs/<int:pk>/interest/", views_member.interest, name="job_interest"),
]
