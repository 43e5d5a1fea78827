from rest_framework.routers import DefaultRouter

from institutions.api.views import InstitutionViewSet, PractitionerViewSet, RegionViewSet

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("institutions", InstitutionViewSet, basename="institution")
router.register("practitioners", PractitionerViewSet, basename="practitioner")
urlpatterns = router.urls
