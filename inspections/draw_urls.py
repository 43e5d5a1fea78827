"""Pages of random draws and of the homes due for inspection (inspections.draw_views).

To include (config/urls.py or inspections/urls.py): path("", include("inspections.draw_urls"))."""

from django.urls import path

from inspections import draw_views

urlpatterns = [
    path("random-draws/", draw_views.draw_list, name="draw-list"),
    path("random-draws/new/", draw_views.draw_create, name="draw-create"),
    path("random-draws/<int:pk>/", draw_views.draw_detail, name="draw-detail"),
    path("random-draws/<int:pk>/verify/", draw_views.draw_verify, name="draw-verify"),
    path("random-draws/<int:pk>/publish/", draw_views.draw_publish, name="draw-publish"),
    path("due-inspections/", draw_views.due_list, name="due-inspections"),
    path("due-inspections/export/", draw_views.due_export, name="due-inspections-export"),
]
