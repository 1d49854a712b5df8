from rest_framework.routers import SimpleRouter

from liudong.cycle.api import (
    AppraisalViewSet,
    AppraisalWindowViewSet,
    DuesBracketViewSet,
    DuesPaymentViewSet,
    DuesSettingViewSet,
)

router = SimpleRouter()
router.register("dues-brackets", DuesBracketViewSet, basename="dues-bracket")
router.register("dues-settings", DuesSettingViewSet, basename="dues-setting")
router.register("dues-payments", DuesPaymentViewSet, basename="dues-payment")
router.register("appraisal-windows", AppraisalWindowViewSet, basename="appraisal-window")
router.register("appraisals", AppraisalViewSet, basename="appraisal")

urlpatterns = router.urls
