from django.urls import path
from rest_framework.routers import DefaultRouter

from institutions.api.importing import InstitutionExportView, InstitutionImportView
from institutions.api.views import InstitutionViewSet, PractitionerViewSet, RegionViewSet

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("institutions", InstitutionViewSet, basename="institution")
router.register("practitioners", PractitionerViewSet, basename="practitioner")
urlpatterns = [
    # Before the router, whose institutions/{pk}/ would otherwise capture "export" and "import".
    path("institutions/export/", InstitutionExportView.as_view(), name="institution-export"),
    path("institutions/import/", InstitutionImportView.as_view(), name="institution-import"),
    *router.urls,
]
