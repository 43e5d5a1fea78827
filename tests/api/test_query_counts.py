"""List endpoints run a fixed number of queries whatever the page holds (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import client_for
from tests.factories import InstitutionFactory, PractitionerFactory, region

pytestmark = pytest.mark.django_db


def queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/api/v1/institutions/?page_size=500", "/api/v1/practitioners/?page_size=500",
                                 "/api/v1/regions/?page_size=500"])
def test_list_queries_do_not_grow_with_rows(world, url):
    client = client_for(world.gz_regulator)
    homes = InstitutionFactory.create_batch(2, region=region("440106"))
    PractitionerFactory.create_batch(2, institution=homes[0])
    few = queries_for(client, url)
    more = InstitutionFactory.create_batch(30, region=region("440104"))
    for home in more:
        PractitionerFactory(institution=home)
    assert queries_for(client, url) == few
    assert few <= 3  # the count and the page (the institution list reads its page's ids, then their rows)


def test_history_queries_do_not_grow_with_entries(world, django_assert_max_num_queries):
    client = client_for(world.gz_regulator)
    url = f"/api/v1/institutions/{world.gz_home.pk}/history/"
    for n in range(3):
        client.patch(f"/api/v1/institutions/{world.gz_home.pk}/", {"residents": n}, format="json")
    few = queries_for(client, url)
    for n in range(10):
        client.patch(f"/api/v1/institutions/{world.gz_home.pk}/", {"residents": 50 + n}, format="json")
        PractitionerFactory(institution=world.gz_home)
    assert queries_for(client, url) == few
