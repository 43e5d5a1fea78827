import pytest

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_api_calls_are_throttled_per_user_with_the_error_shape(world, settings):
    settings.API_RATE_USER = "3/min"
    client = client_for(world.gz_regulator)
    statuses = [client.get("/api/v1/regions/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    body = client.get("/api/v1/regions/").json()
    assert body["code"] == "throttled" and body["detail"]
    # Another user has a budget of their own.
    assert client_for(world.ak_regulator).get("/api/v1/regions/").status_code == 200
