from rest_framework.routers import DefaultRouter

from credit.api.dishonesty import DishonestyRecordViewSet
from credit.api.scores import CreditScoreViewSet

router = DefaultRouter()
router.register("credit-scores", CreditScoreViewSet, basename="credit-score")
router.register("dishonesty-records", DishonestyRecordViewSet, basename="dishonesty-record")

urlpatterns = router.urls
