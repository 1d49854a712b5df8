"""API routes of the members' voice (under ``/api/v1/``)."""

from rest_framework.routers import SimpleRouter

from liudong.voice.api import (
    DepartmentViewSet,
    FaqViewSet,
    JobOpeningViewSet,
    NoticeViewSet,
    SuggestionViewSet,
)

router = SimpleRouter()
router.register("suggestions", SuggestionViewSet, basename="suggestion")
router.register("notices", NoticeViewSet, basename="notice")
router.register("departments", DepartmentViewSet, basename="department")
router.register("faq", FaqViewSet, basename="faq")
router.register("job-openings", JobOpeningViewSet, basename="job-opening")

urlpatterns = router.urls
