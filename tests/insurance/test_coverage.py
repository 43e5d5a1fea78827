"""Coverage figures against a hand-computed fixture."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.choices import Role
from tests.conftest import client_for
from tests.factories import InstitutionFactory, make_user, region
from tests.insurance.test_policies import bind, draft

pytestmark = pytest.mark.django_db
URL = "/api/v1/coverage/"


@pytest.fixture
def covered(ins):
    """广东: 天河 (120 beds, insured for 100), 越秀 (60 beds), 深圳 福田 (200 beds); 安康 汉滨 (120 beds).
    The 天河 policy ends 45 days from today; its premium is split city 80 % / institution 20 %."""
    ins.yuexiu = InstitutionFactory(region=region("440104"), beds_total=60, beds_nursing=10, beds_in_use=10)
    ins.futian = InstitutionFactory(region=region("440304"), beds_total=200, beds_nursing=10, beds_in_use=10)
    end = timezone.localdate() + timedelta(days=45)
    start = end.replace(year=end.year - 1) + timedelta(days=1)
    from tests.factories import make_scheme

    if start.year != 2026:
        make_scheme("440000", start.year)
    body = draft(ins, start_date=str(start), end_date=str(end)).json()
    premium = Decimal(body["premium"])
    city = (premium * Decimal("0.8")).quantize(Decimal("0.01"))
    client_for(ins.gz_institution).patch(
        f"/api/v1/policies/{body['id']}/",
        {"funding": [{"payer": "city", "amount": str(city)}, {"payer": "institution", "amount": str(premium - city)}]},
        format="json",
    )
    assert bind(ins, body["id"]).status_code == 200
    ins.premium, ins.city_share = premium, city
    ins.gd_regulator = make_user(Role.REGULATOR, region_code="440000")
    return ins


def test_province_view_by_city(covered):
    body = client_for(covered.gd_regulator).get(URL).json()
    assert body["region"] == "440000"
    rows = {row["region"]: row for row in body["rows"]}
    assert set(rows) == {"440100", "440300"}
    gz, sz = rows["440100"], rows["440300"]
    assert (gz["name"], gz["institutions"], gz["insured_institutions"], gz["beds"], gz["insured_beds"]) == (
        "广州市", 2, 1, 180, 100)
    assert (gz["institution_rate"], gz["bed_rate"]) == ("50.0", "55.6")
    assert (sz["institutions"], sz["insured_institutions"], sz["beds"], sz["institution_rate"]) == (1, 0, 200, "0.0")
    total = body["total"]
    assert (total["institutions"], total["insured_institutions"], total["beds"], total["insured_beds"]) == (3, 1, 380, 100)
    assert (total["institution_rate"], total["bed_rate"]) == ("33.3", "26.3")
    assert body["expiring"] == {"30": 0, "60": 1, "90": 1}
    assert Decimal(body["premium_total"]) == covered.premium
    assert {(f["payer"], Decimal(f["amount"])) for f in body["funding_by_payer"]} == {
        ("city", covered.city_share), ("institution", covered.premium - covered.city_share)}


def test_city_view_by_county_and_scope(covered):
    client = client_for(covered.gz_regulator)
    rows = {row["region"]: (row["institutions"], row["insured_institutions"]) for row in client.get(URL).json()["rows"]}
    assert rows == {"440104": (1, 0), "440106": (1, 1)}
    assert client.get(URL, {"region": "440000"}).status_code == 404  # above the caller's region
    assert client.get(URL, {"region": "610900"}).status_code == 404
    assert client.get(URL, {"region": "440106"}).json()["total"]["institutions"] == 1
    assert client_for(covered.ak_regulator).get(URL).json()["total"] == {
        "region": "610900", "name": "安康市", "institutions": 1, "insured_institutions": 0, "institution_rate": "0.0",
        "beds": 120, "insured_beds": 0, "bed_rate": "0.0"}


def test_the_whole_country_for_administrators(covered):
    body = client_for(covered.admin).get(URL).json()
    assert body["region"] is None
    assert {row["region"]: row["institutions"] for row in body["rows"]} == {"440000": 3, "610000": 1}


@pytest.mark.parametrize("who", ["gz_inspector", "gz_institution", "insurer"])
def test_only_regulators(covered, who):
    assert client_for(getattr(covered, who)).get(URL).status_code == 403


def test_uninsured_list_is_the_registry_filtered(covered):
    rows = client_for(covered.gd_regulator).get("/api/v1/institutions/", {"insured": "false"}).json()["results"]
    assert {row["id"] for row in rows} == {covered.yuexiu.pk, covered.futian.pk}


def test_query_count_does_not_grow(covered):
    client = client_for(covered.gd_regulator)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    InstitutionFactory.create_batch(20, region=region("440305"))
    InstitutionFactory.create_batch(5, region=region("440604"))
    assert count() == few <= 8


def test_expiring_within_filter(covered):
    client = client_for(covered.gz_regulator)
    assert client.get("/api/v1/policies/", {"expiring_within": 45}).json()["count"] == 1
    assert client.get("/api/v1/policies/", {"expiring_within": 44}).json()["count"] == 0
