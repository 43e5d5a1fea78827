from django.urls import path

from credit import score_views as views

urlpatterns = [
    path("credit/scores/", views.score_list, name="credit-score-list"),
    path("credit/my/", views.my_credit, name="my-credit"),
    path("credit/institutions/<int:pk>/", views.score_detail, name="credit-score-detail"),
    path("credit/institutions/<int:pk>/recompute/", views.score_recompute, name="credit-score-recompute"),
    path("credit/rule-sets/", views.ruleset_list, name="ruleset-list"),
    path("credit/rule-sets/<int:pk>/", views.ruleset_detail, name="ruleset-detail"),
]
