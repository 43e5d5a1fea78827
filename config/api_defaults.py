"""The API defaults DRF imports while defining its own views: pagination and throttles.

A module of its own, importing nothing that imports rest_framework.views, or the two would
import each other half-initialised.
"""

from django.conf import settings
from rest_framework.pagination import PageNumberPagination
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class UserThrottle(UserRateThrottle):
    def get_rate(self):
        return settings.API_RATE_USER


class AnonThrottle(AnonRateThrottle):
    def get_rate(self):
        return settings.API_RATE_ANON


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
