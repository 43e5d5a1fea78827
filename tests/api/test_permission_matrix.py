"""Every registry endpoint × every role × own and someone else's object.

Expected codes: 200/201 allowed, 403 visible but not the role's to do, 404 outside the scope
(indistinguishable from missing), 400 when the body points at something outside the scope.
"""

import pytest
from django.utils.translation import gettext

from tests.conftest import client_for
from tests.factories import PractitionerFactory, make_id_number, make_uscc

pytestmark = pytest.mark.django_db

ROLES = ["admin", "gz_regulator", "gz_inspector", "gz_institution", "insurer"]


def call(world, who, method, path, body=None):
    client = client_for(getattr(world, who))
    return getattr(client, method)(path, body, format="json") if body is not None else getattr(client, method)(path)


# (role, own object status, other object status) for reading one institution.
@pytest.mark.parametrize(
    "who, own, other",
    [("admin", 200, 200), ("gz_regulator", 200, 404), ("gz_inspector", 200, 404),
     ("gz_institution", 200, 404), ("insurer", 404, 404)],
)
def test_read_institution(world, who, own, other):
    assert call(world, who, "get", f"/api/v1/institutions/{world.gz_home.pk}/").status_code == own
    assert call(world, who, "get", f"/api/v1/institutions/{world.ak_home.pk}/").status_code == other


@pytest.mark.parametrize("who, count", [("admin", 2), ("gz_regulator", 1), ("gz_inspector", 1),
                                        ("gz_institution", 1), ("insurer", 0)])
def test_list_institutions(world, who, count):
    assert call(world, who, "get", "/api/v1/institutions/").json()["count"] == count


@pytest.mark.parametrize(
    "who, own, other",
    [("admin", 200, 200), ("gz_regulator", 200, 404), ("gz_inspector", 403, 404),
     ("gz_institution", 200, 404), ("insurer", 404, 404)],
)
def test_edit_contact_data(world, who, own, other):
    body = {"contact_person": "值班员"}
    assert call(world, who, "patch", f"/api/v1/institutions/{world.gz_home.pk}/", body).status_code == own
    assert call(world, who, "patch", f"/api/v1/institutions/{world.ak_home.pk}/", body).status_code == other


@pytest.mark.parametrize("who, status", [("admin", 200), ("gz_regulator", 200), ("gz_inspector", 403),
                                         ("gz_institution", 403), ("insurer", 404)])
def test_edit_identity(world, who, status):
    response = call(world, who, "patch", f"/api/v1/institutions/{world.gz_home.pk}/", {"name": "新名称养老院"})
    assert response.status_code == status
    if status == 403:
        assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize(
    "who, own_region, other_region",
    [("admin", 201, 201), ("gz_regulator", 201, 400), ("gz_inspector", 403, 403),
     ("gz_institution", 403, 403), ("insurer", 403, 403)],
)
def test_register_institution(world, who, own_region, other_region):
    def body(code):
        return {"uscc": make_uscc(code), "name": "矩阵养老院", "region": code, "type": "day_care",
                "nature": "non_profit", "operation_model": "public", "address": "x", "beds_total": 12}

    assert call(world, who, "post", "/api/v1/institutions/", body("440106")).status_code == own_region
    assert call(world, who, "post", "/api/v1/institutions/", body("610902")).status_code == other_region


@pytest.mark.parametrize(
    "who, own, other",
    [("admin", 200, 200), ("gz_regulator", 200, 404), ("gz_inspector", 403, 404),
     ("gz_institution", 403, 404), ("insurer", 404, 404)],
)
def test_deactivate(world, who, own, other):
    body = {"reason": "停业整顿"}
    assert call(world, who, "post", f"/api/v1/institutions/{world.gz_home.pk}/deactivate/", body).status_code == own
    assert call(world, who, "post", f"/api/v1/institutions/{world.ak_home.pk}/deactivate/", body).status_code == other


@pytest.mark.parametrize(
    "who, own, other",
    [("admin", 200, 200), ("gz_regulator", 200, 404), ("gz_inspector", 403, 404),
     ("gz_institution", 403, 404), ("insurer", 404, 404)],
)
def test_history(world, who, own, other):
    assert call(world, who, "get", f"/api/v1/institutions/{world.gz_home.pk}/history/").status_code == own
    assert call(world, who, "get", f"/api/v1/institutions/{world.ak_home.pk}/history/").status_code == other


@pytest.mark.parametrize(
    "who, own, other",
    [("admin", 200, 200), ("gz_regulator", 200, 404), ("gz_inspector", 200, 404),
     ("gz_institution", 200, 404), ("insurer", 404, 404)],
)
def test_read_practitioner(world, who, own, other):
    mine, theirs = PractitionerFactory(institution=world.gz_home), PractitionerFactory(institution=world.ak_home)
    assert call(world, who, "get", f"/api/v1/practitioners/{mine.pk}/").status_code == own
    assert call(world, who, "get", f"/api/v1/practitioners/{theirs.pk}/").status_code == other


@pytest.mark.parametrize(
    "who, own, other",
    [("admin", 201, 201), ("gz_regulator", 201, 400), ("gz_inspector", 403, 400),
     ("gz_institution", 201, 400), ("insurer", 400, 400)],
)
def test_add_practitioner(world, who, own, other):
    def body(home):
        return {"institution": home.pk, "name": "陈护理", "id_number": make_id_number(), "role": "caregiver"}

    assert call(world, who, "post", "/api/v1/practitioners/", body(world.gz_home)).status_code == own
    response = call(world, who, "post", "/api/v1/practitioners/", body(world.ak_home))
    assert response.status_code == other
    if other == 400:  # the same words whether the institution exists elsewhere or not at all
        assert response.json()["fields"]["institution"] == [gettext("No such institution in your scope.")]


@pytest.mark.parametrize(
    "who, own, other",
    [("admin", 200, 200), ("gz_regulator", 200, 404), ("gz_inspector", 403, 404),
     ("gz_institution", 200, 404), ("insurer", 404, 404)],
)
def test_edit_practitioner(world, who, own, other):
    mine, theirs = PractitionerFactory(institution=world.gz_home), PractitionerFactory(institution=world.ak_home)
    body = {"qualification": "养老护理员（四级）"}
    assert call(world, who, "patch", f"/api/v1/practitioners/{mine.pk}/", body).status_code == own
    assert call(world, who, "patch", f"/api/v1/practitioners/{theirs.pk}/", body).status_code == other


@pytest.mark.parametrize("who", ROLES)
def test_regions_are_reference_data_for_everyone(world, who):
    response = call(world, who, "get", "/api/v1/regions/?parent=610900")
    assert response.status_code == 200 and response.json()["count"] == 10
    assert call(world, who, "get", "/api/v1/regions/610902/").json()["full_name"] == "陕西省 安康市 汉滨区"


def test_id_numbers_are_masked_unless_the_role_needs_them(world):
    job = PractitionerFactory(institution=world.gz_home)
    number = job.person.id_number
    for who, clear in [("gz_regulator", True), ("gz_institution", True), ("gz_inspector", False), ("admin", True)]:
        row = call(world, who, "get", f"/api/v1/practitioners/{job.pk}/").json()
        assert (row["id_number"] == number) is clear
        if not clear:
            assert row["id_number"].startswith(number[:3]) and "*" in row["id_number"]
            assert "*" in row["phone"]


def test_anonymous_gets_401_everywhere(api, world):
    for path in ["/api/v1/institutions/", f"/api/v1/institutions/{world.gz_home.pk}/", "/api/v1/practitioners/",
                 "/api/v1/regions/"]:
        assert api.get(path).status_code == 401
