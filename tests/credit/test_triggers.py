"""Trigger (c): an administrative penalty for subsidy fraud or obstruction of inspection proposes a
blacklist case (criterion 6 or 7) for a person to decide; other penalties propose nothing. Set-based
and idempotent like the other triggers (test_blacklist.py covers referrals and incidents)."""

import io
from datetime import date
from decimal import Decimal

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credit.blacklist import legal_basis_for
from credit.choices import CaseSource, CaseStatus, Criterion
from credit.models import BlacklistCase
from credit.triggers import open_triggered_cases
from inspections.choices import PenaltyKind, PenaltyReason
from inspections.models import Penalty

TODAY = date(2026, 6, 1)


def penalty(home, reason_code, *, kind=PenaltyKind.FINE, number="穗民罚〔2026〕8号", reason="虚报入住老人人数，骗取运营补贴。"):
    return Penalty.objects.create(
        institution=home, kind=kind, amount=Decimal("5000") if kind == PenaltyKind.FINE else None,
        reason_code=reason_code, reason=reason, legal_basis="《养老机构管理办法》第四十六条",
        decided_on=date(2026, 4, 3), document_number=number)


def test_a_subsidy_fraud_penalty_proposes_one_case_with_criterion_6(cw):
    fine = penalty(cw.home, PenaltyReason.SUBSIDY_FRAUD)
    assert open_triggered_cases(today=TODAY) == 1
    case = BlacklistCase.objects.get()
    assert (case.source, case.source_id, case.institution_id) == (CaseSource.PENALTY, fine.pk, cw.home.pk)
    assert case.criterion == Criterion.SUBSIDY_FRAUD and case.legal_basis == legal_basis_for(6)
    assert case.legal_basis.endswith("第五条第（六）项")
    assert case.status == CaseStatus.PROPOSED and case.number == f"SX2026-{case.pk:06d}"
    for fact in ("穗民罚〔2026〕8号", "2026年4月3日", "罚款 5,000.00 元", "骗取政府补贴资金", "虚报入住老人人数"):
        assert fact in case.evidence
    assert [e.action for e in case.events.all()] == ["propose"]
    cw.home.refresh_from_db()
    assert cw.home.is_blacklisted is False  # proposed, never listed by a trigger


def test_running_twice_proposes_nothing_more(cw):
    penalty(cw.home, PenaltyReason.SUBSIDY_FRAUD)
    assert open_triggered_cases(today=TODAY) == 1
    assert open_triggered_cases(today=TODAY) == 0
    out = io.StringIO()
    call_command("run_daily", "--today", "2026-06-02", stdout=out)
    assert "0 blacklist cases proposed by triggers" in out.getvalue()
    assert BlacklistCase.objects.count() == 1


def test_safety_and_other_penalties_propose_nothing(cw):
    penalty(cw.home, PenaltyReason.SAFETY, reason="消防通道堵塞。")
    penalty(cw.home, PenaltyReason.OTHER, kind=PenaltyKind.WARNING, number="警告1号", reason="未公示收费标准。")
    cw.add_penalty()  # recorded without a reason code: the default is a safety penalty
    assert open_triggered_cases(today=TODAY) == 0
    assert not BlacklistCase.objects.exists()


def test_obstruction_proposes_criterion_7_for_the_penalised_home(cw):
    warning = penalty(cw.other_home, PenaltyReason.OBSTRUCTION, kind=PenaltyKind.WARNING, number="警告9号",
                      reason="拒绝检查人员进入消防控制室。")
    penalty(cw.home, PenaltyReason.SUBSIDY_FRAUD)
    assert open_triggered_cases(today=TODAY) == 2
    case = BlacklistCase.objects.get(source_id=warning.pk)
    assert case.criterion == Criterion.OBSTRUCTION and case.legal_basis.endswith("第五条第（七）项")
    assert case.institution_id == cw.other_home.pk
    assert "警告" in case.evidence and "拒绝、阻碍监督检查" in case.evidence and "元" not in case.evidence.splitlines()[0]


def test_the_penalty_trigger_costs_the_same_queries_for_many_penalties(cw):
    def queries_for(n: int) -> int:
        for i in range(n):
            penalty(cw.make_home(), PenaltyReason.OBSTRUCTION, number=f"罚{i}号")
        with CaptureQueriesContext(connection) as captured:
            assert open_triggered_cases(today=TODAY) == n
        return len(captured.captured_queries)

    assert queries_for(2) == queries_for(8)
