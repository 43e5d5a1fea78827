"""HTML list pages found by id first hold the same rows, in the same order, as plain pagination."""

import pytest
from django.core.paginator import Paginator

from config.paging import IdsFirstPaginator
from institutions.models import Institution
from tests.factories import InstitutionFactory, region

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("ordering", [["name", "id"], ["-beds_total", "id"]])
def test_every_page_matches_plain_pagination(ordering, django_assert_num_queries):
    for n, beds in enumerate([30, 80, 80, 10, 200, 55, 80]):
        InstitutionFactory(name=f"养老院{n % 3}", beds_total=beds, beds_nursing=0, beds_in_use=0, region=region("440106"))
    queryset = Institution.objects.select_related("region").order_by(*ordering)
    plain, ids_first = Paginator(queryset, 3), IdsFirstPaginator(queryset, 3)
    assert ids_first.count == 7
    for number in plain.page_range:
        expected = [home.pk for home in plain.page(number)]
        with django_assert_num_queries(2):  # the page's ids, then its rows
            rows = list(ids_first.page(number))
        assert [home.pk for home in rows] == expected
        assert all(home.region.name for home in rows)  # related rows came with the page
    assert [home.pk for home in ids_first.get_page("99")] == [home.pk for home in plain.page(3)]  # past the end
