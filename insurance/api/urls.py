from django.urls import path
from rest_framework.routers import DefaultRouter

from insurance.api.views import CoverageView, InsurerViewSet, PolicyViewSet, SchemeViewSet

router = DefaultRouter()
router.register("insurers", InsurerViewSet, basename="insurer")
router.register("rating-schemes", SchemeViewSet, basename="rating-scheme")
router.register("policies", PolicyViewSet, basename="policy")
urlpatterns = [
    path("coverage/", CoverageView.as_view(), name="coverage"),
    path("policies/<int:pk>/certificate.pdf", PolicyViewSet.as_view({"get": "certificate"}), name="policy-certificate"),
    *router.urls,
]

# Incidents and claims (insurance.api.claims).
from insurance.api.claims import ClaimViewSet, IncidentViewSet  # noqa: E402

_earlier_router_urls = router.urls  # the same pattern objects as spread into urlpatterns above
router.register("incidents", IncidentViewSet, basename="incident")
router.register("claims", ClaimViewSet, basename="claim")
urlpatterns = [
    path("claims/<int:pk>/summary.pdf", ClaimViewSet.as_view({"get": "summary"}), name="claim-summary"),
    *[pattern for pattern in urlpatterns if pattern not in _earlier_router_urls],
    *router.urls,
]
