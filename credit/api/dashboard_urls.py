from django.urls import path

from credit.api.dashboard import DashboardView

urlpatterns = [path("dashboard/", DashboardView.as_view(), name="dashboard")]
