from rest_framework.routers import DefaultRouter

from credit.api.public import ComplaintViewSet, PublicBlacklistViewSet, PublicInstitutionViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("public/institutions", PublicInstitutionViewSet, basename="public-institution")
router.register("public/blacklist", PublicBlacklistViewSet, basename="public-blacklist")
router.register("complaints", ComplaintViewSet, basename="complaint")

urlpatterns = router.urls
