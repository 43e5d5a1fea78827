from django.urls import path

from credit import blacklist_views as v

urlpatterns = [
    path("blacklist/", v.case_list, name="blacklist-list"),
    path("blacklist/export.csv", v.case_export, name="blacklist-export"),
    path("blacklist/new/", v.case_propose, name="blacklist-propose"),
    path("blacklist/<int:pk>/", v.case_detail, name="blacklist-detail"),
    path("blacklist/<int:pk>/notice.pdf", v.case_pdf, {"document": "notice"}, name="blacklist-notice"),
    path("blacklist/<int:pk>/decision.pdf", v.case_pdf, {"document": "decision"}, name="blacklist-decision"),
    path("blacklist/files/<int:pk>/", v.case_file, name="blacklist-file"),
    path("blacklist/<int:pk>/<slug:action>/", v.case_step, name="blacklist-step"),
]
