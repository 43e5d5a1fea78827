import pytest

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_regulator_lists_only_own_region(world):
    response = client_for(world.gz_regulator).get("/api/v1/institutions/")
    assert response.status_code == 200
    names = [row["name"] for row in response.json()["results"]]
    assert names == ["天河康乐养老院"]


def test_other_region_is_404(world):
    response = client_for(world.gz_regulator).get(f"/api/v1/institutions/{world.ak_home.pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
