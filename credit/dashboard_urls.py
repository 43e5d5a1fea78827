from django.urls import path

from credit import dashboard_views as views

urlpatterns = [
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("dashboard/export/", views.dashboard_export, name="dashboard-export"),
    path("dashboard/report/", views.operation_report, name="operation-report"),
]
