from django.urls import path

from institutions import views

urlpatterns = [
    path("", views.home, name="home"),
    path("institutions/", views.institution_list, name="institution-list"),
    path("institutions/lookup/", views.institution_lookup, name="institution-lookup"),
    path("institutions/new/", views.institution_create, name="institution-create"),
    path("institutions/export/", views.institution_export, name="institution-export"),
    path("institutions/import/", views.institution_import, name="institution-import"),
    path("institutions/import/template/", views.import_template, name="institution-import-template"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution-detail"),
    path("institutions/<int:pk>/edit/", views.institution_edit, name="institution-edit"),
    path("institutions/<int:pk>/deactivate/", views.institution_set_active, {"active": False}, name="institution-deactivate"),
    path("institutions/<int:pk>/reactivate/", views.institution_set_active, {"active": True}, name="institution-reactivate"),
    path("my-institution/", views.my_institution, name="my-institution"),
    path("practitioners/", views.practitioner_list, name="practitioner-list"),
    path("practitioners/new/", views.practitioner_create, name="practitioner-create"),
    path("practitioners/<int:pk>/edit/", views.practitioner_edit, name="practitioner-edit"),
]
