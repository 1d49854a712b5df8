from rest_framework.routers import SimpleRouter

from liudong.members.api import (
    AlertViewSet,
    ContactViewSet,
    FlowRecordViewSet,
    HandoffViewSet,
    MemberViewSet,
)
from liudong.members.api_transfers import TransferViewSet

router = SimpleRouter()
router.register("members", MemberViewSet, basename="member")
router.register("flow-records", FlowRecordViewSet, basename="flowrecord")
router.register("contacts", ContactViewSet, basename="contact")
router.register("handoffs", HandoffViewSet, basename="handoff")
router.register("alerts", AlertViewSet, basename="alert")
router.register("transfers", TransferViewSet, basename="transfer")

urlpatterns = router.urls
