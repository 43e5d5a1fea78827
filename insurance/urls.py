from django.urls import path

from insurance import views

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
]
