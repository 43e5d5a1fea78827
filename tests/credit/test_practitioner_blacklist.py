"""Joint punishment of a blacklisted practitioner: Person.is_blacklisted follows the practitioner's
live cases (listed, removal requested) through the transitions and run_daily, is shown on every home
the person works for and in the API, and never blacklists the home itself."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from credit import blacklist
from credit.choices import CaseStatus, SubjectType
from credit.models import BlacklistCase
from tests.conftest import client_for
from tests.factories import PersonFactory, PractitionerFactory
from tests.pages import as_user, text

BADGE = "On the dishonesty blacklist"
NOTIFIED_ON, LISTED_ON = date(2026, 6, 1), date(2026, 7, 1)  # the objection window is long over on 1 July


@pytest.fixture
def worker(cw):
    """A carer working at two homes of 天河."""
    person = PersonFactory(name="赵护工")
    PractitionerFactory(person=person, institution=cw.home)
    PractitionerFactory(person=person, institution=cw.other_home)
    return person


def listed_case(cw, person, home=None):
    case = blacklist.propose_case(actor=cw.regulator, today=NOTIFIED_ON, proposal=blacklist.Proposal(
        institution_id=(home or cw.home).pk, criterion=2, evidence="殴打入住老人，经公安机关查实。", practitioner_id=person.pk))
    blacklist.notify_case(actor=cw.regulator, case_id=case.pk, today=NOTIFIED_ON)
    return blacklist.decide_case(actor=cw.regulator, case_id=case.pk, outcome=CaseStatus.LISTED, today=LISTED_ON)


def flagged(person) -> bool:
    person.refresh_from_db()
    return person.is_blacklisted


def practitioners_tab(web, home) -> str:
    return text(web.get(reverse("institution-detail", args=[home.pk]) + "?tab=practitioners"))


def run_daily(day: date) -> str:
    out = io.StringIO()
    call_command("run_daily", "--today", day.isoformat(), stdout=out)
    return out.getvalue()


def test_listing_flags_the_person_on_every_home_but_not_the_home(cw, worker, web):
    as_user(web, cw.admin)
    assert BADGE not in practitioners_tab(web, cw.home)
    case = blacklist.propose_case(actor=cw.regulator, today=NOTIFIED_ON, proposal=blacklist.Proposal(
        institution_id=cw.home.pk, criterion=2, evidence="殴打入住老人。", practitioner_id=worker.pk))
    blacklist.notify_case(actor=cw.regulator, case_id=case.pk, today=NOTIFIED_ON)
    assert flagged(worker) is False  # proposed and notified: not yet on the list
    blacklist.decide_case(actor=cw.regulator, case_id=case.pk, outcome=CaseStatus.LISTED, today=LISTED_ON)
    assert flagged(worker) is True
    for home in (cw.home, cw.other_home):
        page = practitioners_tab(web, home)
        assert "赵护工" in page and page.count(BADGE) == 1
        home.refresh_from_db()
        assert home.is_blacklisted is False  # a listed practitioner does not blacklist the home
    assert BADGE in text(web.get(reverse("practitioner-list")))
    rows = client_for(cw.regulator).get("/api/v1/practitioners/", {"institution": cw.other_home.pk}).json()["results"]
    assert [(r["name"], r["is_blacklisted"]) for r in rows] == [("赵护工", True)]


def test_the_flag_stays_while_removal_is_requested_and_clears_on_removal(cw, worker):
    case = listed_case(cw, worker)
    blacklist.request_removal(actor=cw.institution, case_id=case.pk, grounds="两年内无新的违法失信行为。",
                              today=date(2028, 7, 1))
    assert flagged(worker) is True  # joint punishment holds until the regulator decides
    blacklist.remove_case(actor=cw.regulator, case_id=case.pk, granted=True, note="准予移出。", today=date(2028, 7, 8))
    assert flagged(worker) is False


def test_revoking_clears_the_flag_unless_another_case_still_lists_the_person(cw, worker):
    first, second = listed_case(cw, worker), listed_case(cw, worker, home=cw.other_home)
    blacklist.revoke_case(actor=cw.regulator, case_id=first.pk, reason="认定事实错误。")
    assert flagged(worker) is True
    blacklist.revoke_case(actor=cw.regulator, case_id=second.pk, reason="认定事实错误。")
    assert flagged(worker) is False


def test_expiry_by_run_daily_clears_the_flag_on_the_exit_date(cw, worker, web):
    case = listed_case(cw, worker)
    assert case.expected_exit_date == date(2029, 7, 1)
    run_daily(date(2029, 6, 30))
    assert flagged(worker) is True
    out = run_daily(date(2029, 7, 1))
    assert "1 people changed their blacklist flag" in out
    assert flagged(worker) is False
    as_user(web, cw.admin)
    assert BADGE not in practitioners_tab(web, cw.home)


def test_run_daily_repairs_a_flag_missed_by_a_direct_write(cw, worker):
    case = listed_case(cw, worker)
    BlacklistCase.objects.filter(pk=case.pk).update(status=CaseStatus.DISMISSED)
    assert flagged(worker) is True
    assert "0 institutions and 1 people changed their blacklist flag" in run_daily(LISTED_ON)
    assert flagged(worker) is False


def test_the_refresh_costs_two_queries_however_many_people(cw):
    def listed_people(n: int):
        people = [PractitionerFactory(institution=cw.home).person for _ in range(n)]
        BlacklistCase.objects.bulk_create(
            BlacklistCase(subject_type=SubjectType.PRACTITIONER, institution=cw.home, practitioner=p, criterion=2,
                          evidence="事实", status=CaseStatus.LISTED) for p in people)
        with CaptureQueriesContext(connection) as captured:
            assert blacklist.refresh_person_flags() == n
        return len(captured.captured_queries)

    assert listed_people(2) == listed_people(12) == 2
    cw.home.refresh_from_db()
    assert cw.home.is_blacklisted is False
