"""The conventions of shared/api.md, checked on the registry endpoints."""

from datetime import timedelta

import pytest
from django.utils import timezone

from institutions.models import Institution
from tests.conftest import client_for
from tests.factories import InstitutionFactory, make_uscc, region

pytestmark = pytest.mark.django_db
URL = "/api/v1/institutions/"


def new_home(region_code="440106", **overrides):
    body = {
        "uscc": make_uscc(region_code), "name": "接口新建养老院", "region": region_code, "type": "nursing_home",
        "nature": "non_profit", "operation_model": "public_private", "address": "测试路1号",
        "beds_total": 60, "beds_nursing": 30, "beds_in_use": 20, "building_area": "2500.50",
    }
    return body | overrides


def assert_error_shape(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) <= {"code", "detail", "fields"} and {"code", "detail"} <= set(body)
    assert isinstance(body["detail"], str) and body["detail"]
    if code:
        assert body["code"] == code
    return body


def test_list_shape_and_stable_default_order(world):
    InstitutionFactory.create_batch(3, region=region("440106"), name="同名养老院")
    body = client_for(world.gz_regulator).get(URL).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 4
    same_name = [row["id"] for row in body["results"] if row["name"] == "同名养老院"]
    assert same_name == sorted(same_name)  # ties broken by id


def test_page_size_is_capped_at_500(world):
    body = client_for(world.admin).get(URL, {"page_size": 10000}).json()
    assert body["count"] == 2 and body["next"] is None
    response = client_for(world.admin).get(URL, {"page": 99})
    assert_error_shape(response, 404, "not_found")


def test_pagination_walks_every_row_once(world):
    InstitutionFactory.create_batch(7, region=region("440106"))
    client = client_for(world.gz_regulator)
    seen, url = [], URL + "?page_size=3&ordering=-beds_total"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 8


def test_ordering(world):
    InstitutionFactory(region=region("440106"), beds_total=500, beds_nursing=1, beds_in_use=1)
    rows = client_for(world.gz_regulator).get(URL, {"ordering": "-beds_total"}).json()["results"]
    assert rows[0]["beds_total"] == 500


def test_region_filter_includes_descendants(world):
    InstitutionFactory(region=region("440304"))  # 深圳 福田
    client = client_for(world.admin)

    def names(code):
        return {row["region"] for row in client.get(URL, {"region": code}).json()["results"]}

    assert names("440000") == {"440106", "440304"}
    assert names("440100") == {"440106"}
    assert names("610000") == {"610902"}
    assert_error_shape(client.get(URL, {"region": "44"}), 400, "invalid")


def test_search_and_enum_filters(world):
    client = client_for(world.admin)
    assert client.get(URL, {"q": "康乐"}).json()["count"] == 1
    assert client.get(URL, {"q": world.ak_home.uscc}).json()["results"][0]["id"] == world.ak_home.pk
    assert client.get(URL, {"type": "nursing_home"}).json()["count"] == 2
    assert_error_shape(client.get(URL, {"type": "castle"}), 400, "invalid")


def test_updated_since(world):
    client = client_for(world.admin)
    Institution.objects.filter(pk=world.ak_home.pk).update(updated_at=timezone.now() - timedelta(days=3))
    since = (timezone.now() - timedelta(days=1)).isoformat()
    rows = client.get(URL, {"updated_since": since}).json()["results"]
    assert [row["id"] for row in rows] == [world.gz_home.pk]
    assert_error_shape(client.get(URL, {"updated_since": "yesterday"}), 400, "invalid")


def test_enum_labels_follow_the_request_language(world):
    client = client_for(world.gz_regulator)
    row = client.get(f"{URL}{world.gz_home.pk}/").json()
    assert row["type"] == "nursing_home"
    assert row["type_display"] == "养老院"
    row = client.get(f"{URL}{world.gz_home.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert row["type_display"] == "Nursing home"


def test_create_returns_the_object_with_decimals_as_strings(world):
    response = client_for(world.gz_regulator).post(URL, new_home(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["building_area"] == "2500.50" and body["version"] == 1 and body["region"] == "440106"
    assert body["updated_at"].endswith("+08:00")  # ISO 8601 with the Asia/Shanghai offset


def test_validation_error_names_the_fields(world):
    response = client_for(world.gz_regulator).post(
        URL, new_home(uscc="91440106MA5ABCDE01"), format="json"
    )
    body = assert_error_shape(response, 400, "invalid")
    assert list(body["fields"]) == ["uscc"]
    response = client_for(world.gz_regulator).post(URL, new_home(beds_nursing=61), format="json")
    body = assert_error_shape(response, 400, "invalid")
    assert list(body["fields"]) == ["beds_nursing"]


def test_malformed_json_is_a_400(world):
    response = client_for(world.gz_regulator).post(URL, "{not json", content_type="application/json")
    assert_error_shape(response, 400, "parse_error")


@pytest.mark.parametrize("body", [{"beds_total": -1}, {"beds_total": "many"}, {"level": 9}, {"region": "000000"},
                                  {"name": "x" * 500}, {"email": "not-an-email"}, {"building_area": "1e99"}])
def test_bad_values_are_400_never_500(world, body):
    response = client_for(world.gz_regulator).patch(f"{URL}{world.gz_home.pk}/", body, format="json")
    assert_error_shape(response, 400, "invalid")


def test_idempotency_key_replays_the_first_result(world):
    client = client_for(world.gz_regulator)
    body = new_home()
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Institution.objects.filter(uscc=body["uscc"]).count() == 1
    other = client.post(URL, new_home(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert_error_shape(other, 409, "idempotency_key_reused")


def test_idempotency_keys_belong_to_their_user(world):
    body = new_home()
    client_for(world.gz_regulator).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    response = client_for(world.admin).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert_error_shape(response, 400, "invalid")  # same USCC: the admin's request really ran


def test_a_failed_create_is_not_remembered(world):
    client = client_for(world.gz_regulator)
    bad = client.post(URL, new_home(beds_total=-5), format="json", HTTP_IDEMPOTENCY_KEY="retry-me")
    assert bad.status_code == 400
    good = client.post(URL, new_home(), format="json", HTTP_IDEMPOTENCY_KEY="retry-me")
    assert good.status_code == 201


def test_if_match(world):
    client = client_for(world.gz_regulator)
    url = f"{URL}{world.gz_home.pk}/"
    ok = client.patch(url, {"residents": 5}, format="json", HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch(url, {"residents": 6}, format="json", HTTP_IF_MATCH='"1"')
    assert_error_shape(stale, 412, "stale_version")
    assert_error_shape(client.patch(url, {"residents": 6}, format="json", HTTP_IF_MATCH="abc"), 400)
    world.gz_home.refresh_from_db()
    assert world.gz_home.residents == 5


def test_method_not_allowed_and_unknown_paths_use_the_error_shape(world):
    client = client_for(world.admin)
    assert_error_shape(client.delete(f"{URL}{world.gz_home.pk}/"), 405, "method_not_allowed")
    assert_error_shape(client.get("/api/v1/nothing-here/"), 404, "not_found")


def test_request_id_is_echoed(world):
    response = client_for(world.admin).get(URL, HTTP_X_REQUEST_ID="abcdef123456")
    assert response["X-Request-ID"] == "abcdef123456"
    assert len(client_for(world.admin).get(URL, HTTP_X_REQUEST_ID="bad id!")["X-Request-ID"]) == 32


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/institutions/99999999999999999999999/",
        "/api/v1/practitioners/?institution=99999999999999999999999",
        "/api/v1/policies/?institution=99999999999999999999999",
        "/api/v1/institutions/?level=99999999999999999999999",
        "/api/v1/institutions/?page=99999999999999999999999",
    ],
)
def test_numbers_too_big_for_the_database_are_4xx(world, url):
    response = client_for(world.admin).get(url)
    assert 400 <= response.status_code < 500
    assert_error_shape(response, response.status_code)


def test_timestamps_with_offsets_postgresql_refuses_still_filter(world):
    response = client_for(world.admin).get(URL, {"updated_since": "2020-03-05T09:22:37.8+19:56"})
    assert response.status_code == 200 and response.json()["count"] == 2


@pytest.mark.parametrize("how", ["query", "json", "escaped"])
def test_nul_characters_are_refused(world, how):
    client = client_for(world.gz_regulator)
    url = f"{URL}{world.gz_home.pk}/"
    if how == "query":
        response = client.get(URL, {"q": "a\x00b"})
    elif how == "json":
        response = client.patch(url, b'{"contact_person": "a\x00b"}', content_type="application/json")
    else:
        response = client.patch(url, {"contact_person": "a\x00b"}, format="json")
    assert_error_shape(response, 400, "nul_character")
    world.gz_home.refresh_from_db()
    assert world.gz_home.contact_person == ""
