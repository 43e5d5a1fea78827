"""The public site under /public/ (no login) and the complaint pages of regulators and institutions."""

from django.urls import path

from credit import complaint_views, public_views

urlpatterns = [
    path("public/", public_views.institution_search, name="public-institutions"),
    path("public/institutions/<int:pk>/", public_views.institution_profile, name="public-institution"),
    path("public/blacklist/", public_views.blacklist, name="public-blacklist"),
    path("public/data/", public_views.open_data, name="public-data"),
    path("public/data/<slug:dataset>.<slug:fmt>", public_views.download, name="public-download"),
    path("public/complaints/new/", public_views.complaint_new, name="public-complaint-new"),
    path("complaints/", complaint_views.complaint_list, name="complaint-list"),
    path("complaints/export.csv", complaint_views.complaint_export, name="complaint-export"),
    path("complaints/<int:pk>/", complaint_views.complaint_detail, name="complaint-detail"),
]
