from django.urls import path
from rest_framework.routers import DefaultRouter

from credit.api.blacklist import BlacklistCaseViewSet

router = DefaultRouter()
router.register("blacklist-cases", BlacklistCaseViewSet, basename="blacklist-case")

urlpatterns = [
    # Explicit paths: no trailing slash after .pdf.
    path("blacklist-cases/<int:pk>/notice.pdf", BlacklistCaseViewSet.as_view({"get": "notice"}),
         name="blacklist-case-notice"),
    path("blacklist-cases/<int:pk>/decision.pdf", BlacklistCaseViewSet.as_view({"get": "decision"}),
         name="blacklist-case-decision"),
    *router.urls,
]
