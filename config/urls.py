from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

api_v1 = [
    path("", include("institutions.api.urls")),
    path("", include("insurance.api.urls")),
    path("", include("inspections.api.urls")),
    *[path("", include(f"credit.api.{part}_urls")) for part in ("score", "blacklist", "public", "dashboard")],
]

urlpatterns = [
    path("", include("institutions.urls")),
    path("", include("insurance.urls")),
    path("", include("inspections.urls")),
    path("", include("inspections.checklist_urls")),
    path("", include("inspections.draw_urls")),
    *[path("", include(f"credit.{part}_urls")) for part in ("score", "blacklist", "public", "dashboard")],
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Namespaced so API route names (institution-detail, …) never shadow the pages' names.
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
