"""Facts of the other rooms that open a `proposed` blacklist case for a person to decide (nothing is
listed automatically; domain.md §5):

- (a) an inspection finding escalated as a blacklist referral (inspections.Escalation, kind
  `blacklist_referral`): the criterion the inspector gave (4 for a major fire hazard overdue), else 9;
- (b) an incident where the home bears main or direct responsibility (insurance.Incident): criterion 5.
- (c) an administrative penalty (inspections.Penalty) whose `reason_code` is subsidy fraud (criterion 6)
  or obstruction of supervision and inspection (criterion 7); other penalties open nothing.

Set-based and idempotent: one query per trigger finds the facts without a case (BlacklistCase is
unique on source + source_id + subject_type), one insert creates the cases, one update numbers
them and one insert writes their events.
"""

from datetime import date

from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone, translation

from credit.blacklist import legal_basis_for
from credit.choices import CaseSource, CaseStatus, Criterion, SubjectType
from credit.models import BlacklistCase, BlacklistEvent
from inspections.choices import EscalationKind, PenaltyReason
from inspections.models import Escalation, Penalty
from insurance.models import Incident
from insurance.models.claims import Responsibility


def _without_case(queryset, source: str):
    taken = BlacklistCase.objects.filter(source=source, subject_type=SubjectType.INSTITUTION, source_id__isnull=False)
    return queryset.exclude(pk__in=taken.values("source_id"))


def _case(source: str, source_id: int, institution_id: int, criterion: int, evidence: str) -> BlacklistCase:
    return BlacklistCase(
        subject_type=SubjectType.INSTITUTION, institution_id=institution_id, criterion=criterion,
        evidence=evidence.strip(), legal_basis=legal_basis_for(criterion), source=source, source_id=source_id,
    )


def referral_cases() -> list[BlacklistCase]:
    referrals = _without_case(Escalation.objects.filter(kind=EscalationKind.BLACKLIST_REFERRAL), CaseSource.INSPECTION)
    cases = []
    for e in referrals.select_related("finding__inspection").order_by("pk"):
        f = e.finding
        criterion = e.blacklist_criterion if e.blacklist_criterion in Criterion.values else Criterion.OTHER
        facts = [
            f"检查 {f.inspection.number or f.inspection_id}，问题等级 {f.grade}"
            + ("，重大事故隐患" if f.is_major_hazard else "") + f"，整改期限 {f.deadline:%Y年%-m月%-d日}：",
            f.description, f"移送意见：{e.note}" if e.note else "",
        ]
        cases.append(_case(CaseSource.INSPECTION, e.pk, f.institution_id, criterion, "\n".join(filter(None, facts))))
    return cases


def incident_cases() -> list[BlacklistCase]:
    incidents = _without_case(
        Incident.objects.filter(responsibility__in=[Responsibility.MAIN, Responsibility.DIRECT]), CaseSource.INCIDENT
    )
    cases = []
    for i in incidents.order_by("pk"):
        share = "主要责任" if i.responsibility == Responsibility.MAIN else "直接责任"
        when = timezone.localtime(i.occurred_at)
        facts = [f"{when:%Y年%-m月%-d日}发生安全事故（{i.place}），机构负有{share}：", i.description,
                 f"责任认定：{i.responsibility_note}" if i.responsibility_note else ""]
        cases.append(_case(CaseSource.INCIDENT, i.pk, i.institution_id, Criterion.ACCIDENT, "\n".join(filter(None, facts))))
    return cases


PENALTY_CRITERIA = {PenaltyReason.SUBSIDY_FRAUD: Criterion.SUBSIDY_FRAUD, PenaltyReason.OBSTRUCTION: Criterion.OBSTRUCTION}


def penalty_cases() -> list[BlacklistCase]:
    penalties = _without_case(Penalty.objects.filter(reason_code__in=list(PENALTY_CRITERIA)), CaseSource.PENALTY)
    cases = []
    for p in penalties.order_by("pk"):
        what = "骗取政府补贴资金" if p.reason_code == PenaltyReason.SUBSIDY_FRAUD else "拒绝、阻碍监督检查"
        with translation.override("zh-hans"):  # evidence is Chinese whatever the runner's language
            measure = p.get_kind_display() + (f" {p.amount:,.2f} 元" if p.amount is not None else "")
        facts = [f"行政处罚决定书 {p.document_number}（{p.decided_on:%Y年%-m月%-d日}），因{what}予以{measure}：",
                 p.reason, f"处罚依据：{p.legal_basis}" if p.legal_basis else ""]
        cases.append(_case(CaseSource.PENALTY, p.pk, p.institution_id, PENALTY_CRITERIA[p.reason_code],
                           "\n".join(filter(None, facts))))
    return cases


TRIGGERED = [CaseSource.INSPECTION, CaseSource.INCIDENT, CaseSource.PENALTY]


@transaction.atomic
def open_triggered_cases(*, today: date) -> int:
    """Propose a case for every trigger fact that has none yet; returns how many were opened."""
    new = referral_cases() + incident_cases() + penalty_cases()
    if not new:
        return 0
    BlacklistCase.objects.bulk_create(new, ignore_conflicts=True)
    fresh = BlacklistCase.objects.filter(number__isnull=True, source__in=TRIGGERED)
    ids = list(fresh.values_list("pk", flat=True))
    BlacklistCase.objects.filter(pk__in=ids).update(
        number=Concat(Value(f"SX{today.year}-"), LPad(Cast("pk", CharField()), 6, Value("0")), output_field=CharField())
    )
    BlacklistEvent.objects.bulk_create(
        BlacklistEvent(case_id=pk, action="propose", from_status="", to_status=CaseStatus.PROPOSED,
                       note="系统根据触发事实自动提出，待人工决定")
        for pk in ids
    )
    return len(ids)
