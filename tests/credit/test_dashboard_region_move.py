"""A home that moves takes its facts along: the dashboard (by county, and the whole country by
province), the claims statistics, coverage and the inspection overview count its claims, premiums,
inspections and findings where the home now is; the region around both keeps the same figures.

World: tests/credit/test_dashboard.py — 越秀丙 (440104) is insured (premium 10,000, 80 beds), was
inspected twice this year, has a closed major hazard, a claim of 2,000 yuan paid this year and a
blacklist case in procedure; it moves to 天河 (440106), or to 汉滨 (610902) in another province."""

from decimal import Decimal

import pytest

from credit.dashboard import dashboard
from inspections.overview import inspection_overview
from institutions.services import update_institution
from insurance.selectors.claims import claim_statistics
from insurance.selectors.policies import coverage_for
from tests.credit.test_dashboard import build, figures
from tests.factories import region
from tests.inspections.conftest import checklist  # noqa: F401  (re-exported fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def gw(checklist):  # noqa: F811  (the fixture imported above)
    return build(checklist)


def move_yuexiu_home(gw):
    update_institution(actor=gw.regulator, institution_id=gw.yx1.pk, data={"region": region("440106")})


def by_code(rows):
    return {row.code: row for row in rows}


def test_the_dashboard_counts_a_moved_homes_facts_in_its_new_county(gw):
    before = dashboard(gw.regulator)  # 广州 by county
    move_yuexiu_home(gw)
    after = dashboard(gw.regulator)

    assert figures(after["total"]) == figures(before["total"])
    was, now = by_code(before["rows"]), by_code(after["rows"])
    # 越秀 keeps 越秀丁 alone: not insured, inspected last year only, one overdue major hazard.
    yuexiu = now["440104"]
    assert (yuexiu.homes, yuexiu.insured, yuexiu.claims, yuexiu.paid_amount, yuexiu.premium,
            yuexiu.inspections_done, yuexiu.major_open, yuexiu.overdue, yuexiu.in_procedure) == (
        1, 0, 0, Decimal("0"), Decimal("0"), 0, 1, 1, 0)
    # 天河 gains the home with its claim, payment, premium and both inspections.
    tianhe = now["440106"]
    assert (tianhe.homes, tianhe.claims, tianhe.paid_amount, tianhe.premium, tianhe.inspections_done) == (
        was["440106"].homes + 1, 1, Decimal("2000"), Decimal("22000"), was["440106"].inspections_done + 2)
    assert tianhe.loss_ratio == Decimal("9.1")


def test_the_national_dashboard_counts_a_home_moved_to_another_province_there(gw):
    before = dashboard(gw.admin)  # the country by province: 广东 and 陕西
    update_institution(actor=gw.admin, institution_id=gw.yx1.pk, data={"region": region("610902")})
    after = dashboard(gw.admin)

    assert figures(after["total"]) == figures(before["total"])
    was, now = by_code(before["rows"]), by_code(after["rows"])
    guangdong, shaanxi = now["440000"], now["610000"]
    assert (guangdong.homes, guangdong.claims, guangdong.paid_amount, guangdong.premium,
            guangdong.inspections_done) == (was["440000"].homes - 1, 0, Decimal("0"), Decimal("12000"), 1)
    assert (shaanxi.homes, shaanxi.claims, shaanxi.paid_amount, shaanxi.premium, shaanxi.inspections_done) == (
        2, 1, Decimal("2000"), Decimal("15000"), 3)


def test_claims_statistics_coverage_and_the_overview_follow_the_move(gw):
    guangzhou = region("440100")
    move_yuexiu_home(gw)

    statistics = claim_statistics(gw.regulator, region=guangzhou)
    assert [(row["key"], row["count"], row["paid_amount"]) for row in statistics["by_region"]] == [
        ("440106", 1, Decimal("2000.00"))]
    assert {row["key"]: row["premium"] for row in statistics["loss_ratio"]["by_region"]} == {
        "440106": Decimal("22000.00")}

    coverage = by_code(coverage_for(gw.regulator, guangzhou).rows)
    assert (coverage["440106"].insured_beds, coverage["440104"].insured_beds) == (100 + 80, 0)

    overview = by_code(inspection_overview(gw.regulator, guangzhou).rows)
    # Completed inspections this year: 天河甲's and 越秀丙's; 越秀 keeps 越秀丁's open finding only.
    assert (overview["440106"].inspections_done, overview["440104"].inspections_done) == (2, 0)
    assert (overview["440104"].open_findings, overview["440104"].major_open) == (1, 1)
