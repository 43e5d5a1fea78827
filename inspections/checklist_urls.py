"""Pages of checklist templates (inspections.checklist_views); included from config/urls.py under ""."""

from django.urls import path

from inspections import checklist_views as views

urlpatterns = [
    path("checklists/", views.checklist_list, name="checklist-list"),
    path("checklists/<int:pk>/", views.checklist_detail, name="checklist-detail"),
    path("checklists/<int:pk>/copy/", views.checklist_copy, name="checklist-copy"),
    path("checklists/<int:pk>/edit/", views.checklist_edit, name="checklist-edit"),
    path("checklists/<int:pk>/items/new/", views.checklist_item_add, name="checklist-item-add"),
    path("checklists/<int:pk>/items/<int:item_pk>/edit/", views.checklist_item_edit, name="checklist-item-edit"),
    path("checklists/<int:pk>/items/<int:item_pk>/remove/", views.checklist_item_remove, name="checklist-item-remove"),
    path("checklists/<int:pk>/publish/", views.checklist_publish, name="checklist-publish"),
    path("checklists/<int:pk>/discard/", views.checklist_discard, name="checklist-discard"),
]
