"""The API defaults DRF imports while defining its own views: pagination and throttles.

A module of its own, importing nothing that imports rest_framework.views, or the two would
import each other half-initialised.
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class UserThrottle(UserRateThrottle):
    def get_rate(self):
        return settings.API_RATE_USER


class AnonThrottle(AnonRateThrottle):
    def get_rate(self):
        return settings.API_RATE_ANON


class LateRowPaginator(Paginator):
    """Finds a page's ids first, then loads those rows with their related ones.

    With `select_related` of several tables, the database otherwise joins every matching row to its related tables
    before sorting and cutting the page — thousands of wide rows for an insurer's claims of a
    month. Sorting narrow (id, sort key) rows and joining only the fifty kept costs one more, cheap
    query.
    """

    def page(self, number):
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        ids = list(queryset.values_list("pk", flat=True)[bottom:bottom + self.per_page])
        rows = {row.pk: row for row in queryset.filter(pk__in=ids).order_by()}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class LateRowPagination(Pagination):
    """For lists whose rows join several related tables (claims, findings)."""

    django_paginator_class = LateRowPaginator
