"""Pages of the HTML lists: the page's ids first, then its rows with their related ones."""

from django.core.paginator import Paginator
from django.db.models import QuerySet


class IdsFirstPaginator(Paginator):
    """Sorts narrow (id, sort key) rows to cut the page, then joins only the rows kept.

    With `select_related` of several tables the database otherwise joins every matching row to its
    related tables before sorting and cutting: an insurer's open claims page read 20,000 wide rows
    to show 20. One more query, on an index, for the ids.
    """

    def page(self, number):
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        ids = list(queryset.prefetch_related(None).values_list("pk", flat=True)[bottom:bottom + self.per_page])
        rows = {row.pk: row for row in queryset.filter(pk__in=ids).order_by()}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)
