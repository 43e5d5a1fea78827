from rest_framework.routers import DefaultRouter

from credit.api.scores import CreditScoreViewSet

router = DefaultRouter()
router.register("credit-scores", CreditScoreViewSet, basename="credit-score")

urlpatterns = router.urls
