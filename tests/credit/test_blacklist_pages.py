"""Pages of the blacklist procedure: the list (filters, CSV), the proposal form, the case page with
the steps its reader may take now and the PDF links; the blacklisted badge where homes appear (the
registry and, for insurers at underwriting, the policy)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from credit.choices import CaseStatus as S
from credit.models import BlacklistCase
from tests.credit import test_blacklist as _blacklist_fixtures
from tests.credit.test_blacklist_api import _case
from tests.insurance import conftest as _insurance_fixtures
from tests.pages import as_user, errors_for, text

bw = _blacklist_fixtures.bw  # the fixture, shared with test_blacklist.py
ins = _insurance_fixtures.ins


def test_list_filters_and_exports(web, bw, django_assert_max_num_queries):
    listed = _case(bw, S.LISTED)
    bw.propose(bw.other_home, criterion=5)
    for _ in range(4):
        bw.propose(practitioner=bw.job.person)
    client = as_user(web, bw.regulator)
    with django_assert_max_num_queries(12):
        page = text(client.get("/blacklist/"))
    assert "6 cases" in page and listed.number in page and 'id="propose"' in page
    only_listed = text(client.get("/blacklist/", {"status": "listed"}))
    assert "1 case" in only_listed and listed.number in only_listed
    export = client.get("/blacklist/export.csv", {"status": "listed"})
    assert export["Content-Type"].startswith("text/csv")
    rows = export.content.decode("utf-8-sig").strip().splitlines()
    assert len(rows) == 2 and listed.number in rows[1] and bw.home.uscc in rows[1]


def test_institution_sees_its_notified_cases_and_cannot_propose(web, bw):
    proposed = bw.propose()
    notified = _case(bw, S.NOTIFIED)
    client = as_user(web, bw.institution)
    page = text(client.get("/blacklist/"))
    assert notified.number in page and proposed.number not in page and 'id="propose"' not in page
    assert client.get(f"/blacklist/{proposed.pk}/").status_code == 404
    assert client.get("/blacklist/new/").status_code == 403
    assert as_user(web, bw.insurer).get("/blacklist/").status_code == 403


def test_propose_form(web, bw):
    client = as_user(web, bw.regulator)
    refused = client.post("/blacklist/new/", {"institution": bw.home.pk, "criterion": "4", "evidence": ""})
    assert refused.status_code == 200 and errors_for(refused, "evidence")
    response = client.post("/blacklist/new/", {"institution": bw.home.pk, "criterion": "4",
                                               "evidence": "重大火灾隐患逾期未改"})
    case = BlacklistCase.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/blacklist/{case.pk}/"
    assert case.status == S.PROPOSED and case.created_by == bw.regulator


def test_the_case_page_offers_the_steps_of_the_reader_now(web, bw):
    case = bw.propose()
    regulator = as_user(web, bw.regulator)
    page = text(regulator.get(f"/blacklist/{case.pk}/"))
    assert 'id="notify-form"' in page and 'id="decide-form"' not in page and 'id="notice-pdf"' not in page
    done = regulator.post(f"/blacklist/{case.pk}/notify/", {"version": case.version, "note": "请陈述申辩"})
    assert done.status_code == 302
    page = text(regulator.get(f"/blacklist/{case.pk}/"))
    assert 'data-status="notified"' in page and 'id="notice-pdf"' in page
    assert 'id="decide-form"' not in page  # the objection period is still open
    assert 'data-action="notify"' in page and "请陈述申辩" in page  # the timeline

    web.logout()
    party = as_user(web, bw.institution)
    page = text(party.get(f"/blacklist/{case.pk}/"))
    assert 'id="object-form"' in page and 'id="notify-form"' not in page
    assert party.post(f"/blacklist/{case.pk}/revoke/", {"reason": "x"}).status_code == 403
    party.post(f"/blacklist/{case.pk}/object/", {"version": 2, "statement": "已整改"})
    case.refresh_from_db()
    assert case.status == S.OBJECTION and case.objection == "已整改"
    pdf = party.get(f"/blacklist/{case.pk}/notice.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_deciding_lists_and_shows_the_decision(web, bw):
    case = bw.in_state(S.NOTIFIED, objection_deadline=timezone.localdate() - timedelta(days=1))
    client = as_user(web, bw.regulator)
    stale = client.post(f"/blacklist/{case.pk}/decide/", {"version": 99, "outcome": "listed"})
    assert stale.status_code == 200 and "changed by someone else" in text(stale)
    client.post(f"/blacklist/{case.pk}/decide/", {"version": case.version, "outcome": "listed"})
    page = text(client.get(f"/blacklist/{case.pk}/"))
    assert 'data-status="listed"' in page and 'id="decision-pdf"' in page and 'id="revoke-form"' in page
    assert 'id="request-removal-form"' not in page


def test_the_blacklisted_badge_on_the_registry(web, bw):
    _case(bw, S.LISTED)
    client = as_user(web, bw.regulator)
    assert "data-blacklisted" in text(client.get(f"/institutions/{bw.home.pk}/"))
    listing = text(client.get("/institutions/", {"q": "天河"}))
    assert listing.count("data-blacklisted") == 1


def test_insurers_see_the_badge_at_underwriting(web, ins):
    from tests.insurance.test_views import new_draft

    from institutions.models import Institution

    policy = new_draft(ins)
    client = as_user(web, ins.insurer)
    assert "data-blacklisted" not in text(client.get(f"/policies/{policy.pk}/"))
    Institution.objects.filter(pk=ins.gz_home.pk).update(is_blacklisted=True)
    assert "data-blacklisted" in text(client.get(f"/policies/{policy.pk}/"))
    assert "data-blacklisted" in text(client.get(f"/policies/{policy.pk}/edit/"))


@pytest.mark.parametrize("document", ["notice", "decision"])
def test_pdf_links_are_scoped(web, bw, document):
    case = _case(bw, S.LISTED)
    assert as_user(web, bw.other_institution).get(f"/blacklist/{case.pk}/{document}.pdf").status_code == 404
    assert as_user(web, bw.institution).get(f"/blacklist/{case.pk}/{document}.pdf").status_code == 200
