"""The key-supervision list (重点监管): each reason puts a home on it, closed hazards and good grades
do not, scope by region, the page's permissions, region filter and CSV export, and a fixed number
of queries whatever the number of homes."""

import pytest
from django.urls import reverse
from django.utils import translation

from credit.supervision import key_supervision, reasons
from institutions.models import Institution
from tests.pages import as_user, text

URL = "/credit/key-supervision/"


def listed(user):
    with translation.override("en"):
        return {home.pk: reasons(home) for home in key_supervision(user)}


def test_a_home_without_reasons_is_not_listed(cw):
    cw.add_finding(major=True, status="closed")
    cw.add_finding(major=False, status="open")
    Institution.objects.filter(pk=cw.home.pk).update(credit_grade="C")
    assert listed(cw.admin) == {}


def test_grade_d(cw):
    Institution.objects.filter(pk=cw.home.pk).update(credit_grade="D")
    assert listed(cw.regulator) == {cw.home.pk: ["Credit grade D"]}


def test_blacklisted(cw):
    Institution.objects.filter(pk=cw.home.pk).update(is_blacklisted=True)
    assert listed(cw.regulator) == {cw.home.pk: ["On the blacklist"]}


@pytest.mark.parametrize("status", ["open", "submitted", "overdue"])
def test_open_major_hazard(cw, status):
    cw.add_finding(major=True, status=status)
    cw.add_finding(major=True, status=status)  # two hazards, one row
    assert listed(cw.inspector) == {cw.home.pk: ["Open major hazard"]}


def test_all_reasons_together(cw):
    Institution.objects.filter(pk=cw.home.pk).update(credit_grade="D", is_blacklisted=True)
    cw.add_finding(major=True, status="overdue")
    assert listed(cw.admin) == {cw.home.pk: ["Credit grade D", "On the blacklist", "Open major hazard"]}


def test_scope(cw):
    Institution.objects.filter(pk__in=[cw.home.pk, cw.far_home.pk]).update(credit_grade="D")
    assert set(listed(cw.regulator)) == {cw.home.pk}
    assert set(listed(cw.far_regulator)) == {cw.far_home.pk}
    assert set(listed(cw.admin)) == {cw.home.pk, cw.far_home.pk}


@pytest.mark.parametrize("who, status", [("regulator", 200), ("inspector", 200), ("admin", 200),
                                         ("institution", 403), ("insurer_user", 403)])
def test_page_permissions(cw, web, who, status):
    Institution.objects.filter(pk=cw.home.pk).update(is_blacklisted=True)
    response = as_user(web, getattr(cw, who)).get(URL)
    assert response.status_code == status
    if status == 200:
        assert cw.home.name in text(response) and "On the blacklist" in text(response)
    assert as_user(web, getattr(cw, who)).get(reverse("key-supervision-export")).status_code == status


def test_page_region_filter_and_export(cw, web):
    Institution.objects.filter(pk__in=[cw.home.pk, cw.far_home.pk]).update(credit_grade="D")
    as_user(web, cw.admin)
    page = text(web.get(URL, {"region": "610000"}))
    assert cw.far_home.name in page and cw.home.name not in page
    assert 'data-error-for="region"' in text(web.get(URL, {"region": "abc"}))
    csv = web.get(reverse("key-supervision-export"), {"region": "440100"}).content.decode("utf-8-sig")
    assert cw.home.name in csv and cw.far_home.name not in csv and "Credit grade D" in csv


def test_query_count_is_fixed(cw, web, homes_factory, django_assert_max_num_queries):
    as_user(web, cw.regulator)
    homes_factory(3)
    with django_assert_max_num_queries(12) as few:
        page = text(web.get(URL))
    assert page.count("Open major hazard") == 3
    homes_factory(17)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = text(web.get(URL))
    assert page.count("Open major hazard") == 20
    with django_assert_max_num_queries(1):
        assert len(listed(cw.regulator)) == 20
