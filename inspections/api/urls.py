from django.urls import path
from rest_framework.routers import DefaultRouter

from inspections.api.checklists import ChecklistTemplateViewSet
from inspections.api.draws import DueInspectionViewSet, RandomDrawViewSet
from inspections.api.views import FindingViewSet, InspectionViewSet, PenaltyViewSet

router = DefaultRouter()
router.register("inspections", InspectionViewSet, basename="inspection")
router.register("findings", FindingViewSet, basename="finding")
router.register("penalties", PenaltyViewSet, basename="penalty")
router.register("checklists", ChecklistTemplateViewSet, basename="checklist")
router.register("random-draws", RandomDrawViewSet, basename="random-draw")
router.register("due-inspections", DueInspectionViewSet, basename="due-inspection")

urlpatterns = [
    # Explicit paths: no trailing slash after .pdf.
    path("inspections/<int:pk>/report.pdf", InspectionViewSet.as_view({"get": "report"}), name="inspection-report"),
    path("inspections/<int:pk>/notice.pdf", InspectionViewSet.as_view({"get": "notice"}), name="inspection-notice"),
    *router.urls,
]
