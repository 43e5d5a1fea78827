"""Time-driven policy work, run through `run_daily --today` (time travel, no wall clock)."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from institutions.models import Institution
from insurance.models import Policy
from insurance.services import refresh_insured
from tests.insurance.test_policies import bind, draft

pytestmark = pytest.mark.django_db


def run_daily(day: date) -> str:
    out = StringIO()
    call_command("run_daily", "--today", day.isoformat(), stdout=out)
    return out.getvalue()


@pytest.fixture
def bound(ins):
    policy_id = draft(ins).json()["id"]  # 2026-01-01 … 2026-12-31
    assert bind(ins, policy_id).status_code == 200
    return Policy.objects.get(pk=policy_id)


def test_insured_follows_the_term(ins, bound):
    refresh_insured(today=date(2025, 12, 31))
    assert not Institution.objects.get(pk=ins.gz_home.pk).insured
    refresh_insured(today=date(2026, 1, 1))
    home = Institution.objects.get(pk=ins.gz_home.pk)
    assert home.insured and home.insured_until == date(2026, 12, 31)
    refresh_insured(today=date(2026, 12, 31))
    assert Institution.objects.get(pk=ins.gz_home.pk).insured


def test_a_change_of_cover_moves_updated_at_for_polling_clients(ins, bound):
    refresh_insured(today=date(2025, 12, 31))
    before = Institution.objects.get(pk=ins.gz_home.pk).updated_at
    refresh_insured(today=date(2026, 1, 1))
    assert Institution.objects.get(pk=ins.gz_home.pk).updated_at > before


def test_policies_expire_the_day_after_their_last_day_and_only_once(ins, bound):
    out = run_daily(date(2026, 12, 31))
    assert "0 policies expired" in out
    bound.refresh_from_db()
    assert bound.status == "active"

    out = run_daily(date(2027, 1, 1))
    assert "1 policies expired" in out
    bound.refresh_from_db()
    assert bound.status == "expired"
    assert [e.action for e in bound.events.all()] == ["create", "activate", "expire"]
    assert not Institution.objects.get(pk=ins.gz_home.pk).insured

    assert "0 policies expired" in run_daily(date(2027, 1, 1))  # idempotent
    assert bound.events.count() == 3


def test_a_second_run_changes_nothing(ins, bound):
    run_daily(date(2026, 6, 1))
    before = list(Institution.objects.values_list("pk", "insured", "insured_until", "updated_at"))
    assert "0 institutions changed insured status" in run_daily(date(2026, 6, 1))
    assert list(Institution.objects.values_list("pk", "insured", "insured_until", "updated_at")) == before


def test_cancelling_removes_cover_at_once(ins, bound):
    from tests.conftest import client_for

    client_for(ins.insurer).post(f"/api/v1/policies/{bound.pk}/cancel/", {"reason": "退保"}, format="json")
    assert not Institution.objects.get(pk=ins.gz_home.pk).insured



def test_institutions_are_reminded_once_30_days_before_expiry(ins, bound, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    from accounts.models import Notification

    ins.gz_institution.email = "office@tianhe-home.example"
    ins.gz_institution.save()
    assert "0 expiry reminders sent" in run_daily(date(2026, 11, 30))  # 31 days before the end
    with django_capture_on_commit_callbacks(execute=True):
        out = run_daily(date(2026, 12, 1))  # 30 days before
    assert "1 expiry reminders sent" in out
    note = Notification.objects.get(user=ins.gz_institution)
    assert bound.number in note.title and note.url == f"/policies/{bound.pk}/"
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["office@tianhe-home.example"]
    assert "0 expiry reminders sent" in run_daily(date(2026, 12, 2))  # once only
    assert Notification.objects.filter(user=ins.gz_institution).count() == 1
    assert not Notification.objects.filter(user=ins.ak_institution).exists()
