from rest_framework.routers import SimpleRouter

from liudong.members.api import (
    AlertViewSet,
    ContactViewSet,
    FlowRecordViewSet,
    HandoffViewSet,
    MemberViewSet,
)

router = SimpleRouter()
router.register("members", MemberViewSet, basename="member")
router.register("flow-records", FlowRecordViewSet, basename="flowrecord")
router.register("contacts", ContactViewSet, basename="contact")
router.register("handoffs", HandoffViewSet, basename="handoff")
router.register("alerts", AlertViewSet, basename="alert")

urlpatterns = router.urls
