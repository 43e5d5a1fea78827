from django.urls import path
from rest_framework.routers import DefaultRouter

from insurance.api.claims import ClaimViewSet, IncidentViewSet
from insurance.api.views import CoverageView, InsurerViewSet, PolicyViewSet, SchemeViewSet

router = DefaultRouter()
router.register("insurers", InsurerViewSet, basename="insurer")
router.register("rating-schemes", SchemeViewSet, basename="rating-scheme")
router.register("policies", PolicyViewSet, basename="policy")
router.register("incidents", IncidentViewSet, basename="incident")
router.register("claims", ClaimViewSet, basename="claim")

urlpatterns = [
    path("coverage/", CoverageView.as_view(), name="coverage"),
    path("policies/<int:pk>/certificate.pdf", PolicyViewSet.as_view({"get": "certificate"}), name="policy-certificate"),
    path("claims/<int:pk>/summary.pdf", ClaimViewSet.as_view({"get": "summary"}), name="claim-summary"),
    *router.urls,
]
