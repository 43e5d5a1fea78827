"""Credit demo data: complaints from the public (one of them substantiated), a home on the blacklist
and another case in its objection period, and every home's credit score, so the dashboard, the
public pages and the credit pages have something to show. Deterministic and idempotent."""

from datetime import timedelta

from accounts.choices import Role
from accounts.demo import DemoContext
from accounts.jobs import demo_step
from accounts.models import User
from credit import blacklist, complaints, scores
from credit.choices import ComplaintStatus, Criterion
from credit.models import BlacklistCase, Complaint
from institutions.models import Institution

COMPLAINTS = [
    # home, category, text, triage (None: still waiting), finding
    ("汉滨区中心敬老院", "care", "我父亲在院内多次反映夜间呼叫无人应答，护理员夜班只有一人，希望尽快核查处理。",
     ComplaintStatus.SUBSTANTIATED, "经现场核查，夜间护理员配备不足属实，已责令整改。"),
    ("广州市天河区康乐颐养院", "food", "近一周午餐饭菜偏凉，老人反映吃后肠胃不适，请监管部门关注食堂卫生。",
     None, ""),
    ("汉滨区中心敬老院", "fees", "机构以床位紧张为由另收取所谓“优先入住费”，未开具任何票据。",
     ComplaintStatus.UNSUBSTANTIATED, "经查该费用为押金，已出具收据并在合同中约定，投诉不属实。"),
]
LISTED_HOME = "紫阳县城关镇敬老院"  # a home with no demo account, so accounts keep their own story
NOTIFIED_HOME = "平利县中心敬老院"


@demo_step("credit", order=50)
def seed_credit(ctx: DemoContext) -> None:
    regulator = User.objects.filter(username="ak_regulator", role=Role.REGULATOR).first() or ctx.admin
    homes = {i.name: i for i in Institution.objects.filter(name__in=[c[0] for c in COMPLAINTS] + [LISTED_HOME, NOTIFIED_HOME])}
    if not Complaint.objects.filter(institution__in=homes.values()).exists():
        for name, category, text, status, finding in COMPLAINTS:
            if name not in homes:
                continue
            complaint = complaints.submit_complaint(institution_id=homes[name].pk, category=category, text=text,
                                                    source_address="demo")
            ctx.created["complaints"] += 1
            if status:
                triager = regulator if name.startswith("汉滨") else User.objects.get(username="gz_regulator")
                complaints.triage(actor=triager, complaint_id=complaint.pk, status=status, resolution=finding)
    if not BlacklistCase.objects.filter(institution__in=homes.values()).exists():
        _cases(ctx, regulator, homes)
    # Scores last: they read every fact above. Only homes without one, so a rerun changes nothing.
    unscored = list(Institution.objects.filter(is_active=True).exclude(credit_scores__is_latest=True)
                    .values_list("pk", flat=True))
    if unscored:
        ctx.created["credit scores"] += scores.recompute(as_of=ctx.today, institution_ids=unscored)


def _cases(ctx, regulator, homes) -> None:
    listed = homes.get(LISTED_HOME)
    if listed is not None:
        proposed_on = ctx.today - timedelta(days=60)
        case = blacklist.propose_case(actor=regulator, today=proposed_on, proposal=blacklist.Proposal(
            institution_id=listed.pk, criterion=Criterion.FIRE_HAZARD,
            evidence="2026年消防专项检查发现疏散通道堵塞、安全出口锁闭（重大火灾隐患），限期整改逾期仍未整改。"))
        blacklist.notify_case(actor=regulator, case_id=case.pk, today=proposed_on)
        blacklist.decide_case(actor=regulator, case_id=case.pk, outcome="listed", today=ctx.today - timedelta(days=30),
                              note="异议期内未提出异议，决定列入失信联合惩戒对象名单。")
        ctx.created["blacklist cases"] += 1
    notified = homes.get(NOTIFIED_HOME)
    if notified is not None:
        case = blacklist.propose_case(actor=regulator, today=ctx.today, proposal=blacklist.Proposal(
            institution_id=notified.pk, criterion=Criterion.OBSTRUCTION,
            evidence="检查人员依法实施检查时，机构拒不提供消防设施维护保养记录和夜间值班记录。"))
        blacklist.notify_case(actor=regulator, case_id=case.pk, today=ctx.today)
        ctx.created["blacklist cases"] += 1
