from django.urls import path

from insurance import claim_views, views

urlpatterns = [
    path("policies/", views.policy_list, name="policy-list"),
    path("policies/new/", views.policy_create, name="policy-create"),
    path("policies/<int:pk>/", views.policy_detail, name="policy-detail"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="policy-edit"),
    path("policies/<int:pk>/activate/", views.policy_activate, name="policy-activate"),
    path("policies/<int:pk>/cancel/", views.policy_cancel, name="policy-cancel"),
    path("policies/<int:pk>/declare/", views.policy_declare, name="policy-declare"),
    path("policies/<int:pk>/verify/", views.policy_verify, name="policy-verify"),
    path("policies/<int:pk>/upload/", views.policy_upload, name="policy-upload"),
    path("rating-schemes/", views.scheme_list, name="scheme-list"),
    path("rating-schemes/new/", views.scheme_create, name="scheme-create"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/export/", views.coverage_export, name="coverage-export"),
    # Incidents and claims (insurance/claim_views.py).
    path("incidents/", claim_views.incident_list, name="incident-list"),
    path("incidents/new/", claim_views.incident_create, name="incident-create"),
    path("incidents/<int:pk>/", claim_views.incident_detail, name="incident-detail"),
    path("incidents/<int:pk>/attach/", claim_views.incident_attach, name="incident-attach"),
    path("incidents/<int:pk>/responsibility/", claim_views.incident_responsibility, name="incident-responsibility"),
    path("incidents/<int:pk>/claim/", claim_views.claim_create, name="claim-create"),
    path("claims/", claim_views.claim_list, name="claim-list"),
    path("claims/export/", claim_views.claim_export, name="claim-export"),
    path("claims/disputes/", claim_views.dispute_queue, name="claim-disputes"),
    path("claims/statistics/", claim_views.claim_statistics, name="claim-statistics"),
    path("claims/statistics/export/", claim_views.claim_statistics_export, name="claim-statistics-export"),
    path("claims/<int:pk>/", claim_views.claim_detail, name="claim-detail"),
    path("claims/<int:pk>/<slug:action>/", claim_views.claim_action, name="claim-action"),
]
