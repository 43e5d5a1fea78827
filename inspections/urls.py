from django.urls import path

from inspections import views

urlpatterns = [
    path("inspections/", views.inspection_list, name="inspection-list"),
    path("inspections/new/", views.inspection_create, name="inspection-create"),
    path("inspections/export/", views.inspection_export, name="inspection-export"),
    path("inspections/overview/", views.inspection_overview, name="inspection-overview"),
    path("inspections/overview/export/", views.inspection_overview_export, name="inspection-overview-export"),
    path("inspections/photos/<int:pk>/", views.inspection_photo, name="inspection-photo"),
    path("inspections/signatures/<int:pk>/", views.inspection_signature, name="inspection-signature"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection-detail"),
    # On site (the logging page and what it posts).
    path("inspections/<int:pk>/log/", views.inspection_log, name="inspection-log"),
    path("inspections/<int:pk>/results/", views.inspection_results, name="inspection-results"),
    path("inspections/<int:pk>/findings/", views.inspection_finding_create, name="inspection-finding-create"),
    path("inspections/<int:pk>/photos/", views.inspection_photo_upload, name="inspection-photo-upload"),
    path("inspections/<int:pk>/sign/", views.inspection_sign, name="inspection-sign"),
    path("inspections/<int:pk>/record.pdf", views.inspection_pdf, {"document": "record"}, name="inspection-record-pdf"),
    path("inspections/<int:pk>/notice.pdf", views.inspection_pdf, {"document": "notice"}, name="inspection-notice-pdf"),
    path("inspections/<int:pk>/<slug:action>/", views.inspection_step, name="inspection-step"),
    # Findings, their rectification and what follows.
    path("findings/", views.finding_list, name="finding-list"),
    path("findings/export/", views.finding_export, name="finding-export"),
    path("findings/evidence/<int:pk>/", views.rectification_file, name="rectification-file"),
    path("findings/<int:pk>/", views.finding_detail, name="finding-detail"),
    path("findings/<int:pk>/<slug:action>/", views.finding_step, name="finding-step"),
    path("penalties/", views.penalty_list, name="penalty-list"),
    path("penalties/export/", views.penalty_export, name="penalty-export"),
    path("penalties/<int:pk>/document/", views.penalty_document, name="penalty-document"),
]
