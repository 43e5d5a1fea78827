from django.urls import path

from credit import dishonesty_views, supervision_views
from credit import score_views as views

urlpatterns = [
    path("credit/scores/", views.score_list, name="credit-score-list"),
    path("credit/my/", views.my_credit, name="my-credit"),
    path("credit/institutions/<int:pk>/", views.score_detail, name="credit-score-detail"),
    path("credit/institutions/<int:pk>/recompute/", views.score_recompute, name="credit-score-recompute"),
    path("credit/rule-sets/", views.ruleset_list, name="ruleset-list"),
    path("credit/rule-sets/<int:pk>/", views.ruleset_detail, name="ruleset-detail"),
    path("credit/key-supervision/", supervision_views.key_supervision_list, name="key-supervision"),
    path("credit/key-supervision/export/", supervision_views.key_supervision_export, name="key-supervision-export"),
    path("credit/dishonesty/", dishonesty_views.dishonesty_list, name="dishonesty-list"),
    path("credit/dishonesty/new/", dishonesty_views.dishonesty_create, name="dishonesty-create"),
    path("credit/dishonesty/<int:pk>/end/", dishonesty_views.dishonesty_end, name="dishonesty-end"),
]
