"""Benchmark dataset, credit part: public complaints, blacklist cases at every stage of the
procedure with their events, then the set-based refreshers `run_daily` uses — blacklist flags and
credit scores for every home. Runs last: scores read everything the other steps wrote.
See accounts.scale for the rules every step keeps."""

from datetime import timedelta
from random import Random

from accounts.jobs import scale_step
from accounts.scale import Home, ScaleContext, at, mobile, person_name, regulator_for
from credit.blacklist import DEFAULTS as BLACKLIST_RULES
from credit.blacklist import REGULATION, article_for, refresh_blacklist_flags
from credit.choices import CaseSource, CaseStatus, ComplaintCategory, ComplaintStatus, SubjectType
from credit.complaints import complaint_number
from credit.models import BlacklistCase, BlacklistEvent, Complaint, CreditScore
from credit.scores import recompute

COMPLAINTS_PER_HOME_YEAR = 0.15
CASE_SHARE = 0.005  # homes with a blacklist case
CASE_STAGES = {"proposed": 35, "notified": 25, "listed": 25, "dismissed": 10, "expired": 5}
CRITERIA = [2, 4, 5, 7, 9]
COMPLAINT_TEXT = {
    ComplaintCategory.CARE: "护理不到位，老人长期卧床无人翻身。", ComplaintCategory.SAFETY: "消防通道被杂物堵塞。",
    ComplaintCategory.ABUSE: "护理员对老人态度恶劣，有推搡行为。", ComplaintCategory.FEES: "擅自上调护理费用，未提前告知。",
    ComplaintCategory.FOOD: "饭菜不新鲜，老人吃后腹泻。", ComplaintCategory.OTHER: "院内噪音大，影响老人休息。",
}


@scale_step("credit", order=50)
def credit(ctx: ScaleContext) -> None:
    rng = ctx.rng("credit")
    span = (ctx.today - ctx.start).days
    for home in ctx.bar(ctx.homes, "credit"):
        for _n in range(_count(rng, COMPLAINTS_PER_HOME_YEAR * ctx.years)):
            _complaint(ctx, rng, home, ctx.start + timedelta(days=rng.randrange(span)))
        if rng.random() < CASE_SHARE:
            _case(ctx, rng, home)
    ctx.flush()
    refresh_blacklist_flags()
    bar = ctx.bar(None, "credit scores", total=len(ctx.homes))
    recompute(as_of=ctx.today, progress=lambda done, total: bar.update(done - bar.n))
    bar.close()
    ctx.counts[CreditScore._meta.label] = CreditScore.objects.count()  # written by recompute itself


def _count(rng: Random, mean: float) -> int:
    whole = int(mean)
    return whole + (1 if rng.random() < mean - whole else 0)


def _years_later(day, years: int):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _complaint(ctx: ScaleContext, rng: Random, home: Home, day) -> None:
    submitted = at(day, rng.randrange(7, 23), rng.randrange(60))
    age = (ctx.today - day).days
    status = ComplaintStatus.RECEIVED if age < 10 and rng.random() < 0.7 else rng.choices(
        [ComplaintStatus.SUBSTANTIATED, ComplaintStatus.UNSUBSTANTIATED, ComplaintStatus.REJECTED], weights=[35, 50, 15])[0]
    triaged = None if status == ComplaintStatus.RECEIVED else min(submitted + timedelta(days=rng.randrange(1, 10)),
                                                                   at(ctx.today, 8))
    category = rng.choice(list(COMPLAINT_TEXT))
    pk = ctx.new_id(Complaint)
    ctx.row(Complaint, id=pk, number=complaint_number(pk, day.year), institution_id=home.id, category=category,
            text=COMPLAINT_TEXT[category], contact_name=person_name(rng) if rng.random() < 0.6 else "",
            contact_phone=mobile(rng) if rng.random() < 0.5 else "", status=status,
            resolution="" if triaged is None else "经核查，情况属实。" if status == ComplaintStatus.SUBSTANTIATED else "经核查，不予受理或情况不属实。",
            triaged_at=triaged, submitted_at=submitted, updated_at=triaged or submitted)


def _case(ctx: ScaleContext, rng: Random, home: Home) -> None:
    """A case moved through the procedure as far as its stage: proposed, notified with an objection
    deadline, listed for the listing years (expired once they have passed), or dismissed."""
    stage = rng.choices(list(CASE_STAGES), weights=list(CASE_STAGES.values()))[0]
    listing_years = BLACKLIST_RULES["listing_years"]
    back = 365 * listing_years + 60 if stage == "expired" else rng.randrange(5, min(700, (ctx.today - ctx.start).days))
    proposed = at(ctx.today - timedelta(days=back), 10)
    now = at(ctx.today, 8)
    pk = ctx.new_id(BlacklistCase)
    criterion = rng.choice(CRITERIA)
    case = dict(id=pk, number=f"SX{proposed.year}-{pk:06d}", subject_type=SubjectType.INSTITUTION,
                institution_id=home.id, criterion=criterion, evidence="经调查核实的违法违规事实及证据材料。",
                legal_basis=f"{REGULATION}{article_for(criterion)}", source=CaseSource.MANUAL,
                created_by_id=regulator_for(ctx, home.region), created_at=proposed)
    events = [("propose", "", CaseStatus.PROPOSED, proposed)]
    if stage != "proposed":
        notified = min(proposed + timedelta(days=rng.randrange(1, 5)), now)
        case.update(notified_at=notified,
                    objection_deadline=ctx.working_days_after(notified.date(), BLACKLIST_RULES["objection_working_days"]))
        events.append(("notify", CaseStatus.PROPOSED, CaseStatus.NOTIFIED, notified))
    if stage in ("listed", "expired", "dismissed"):
        decided = min(at(case["objection_deadline"] + timedelta(days=rng.randrange(1, 10)), 15), now)
        if stage == "dismissed":
            events.append(("decide", CaseStatus.NOTIFIED, CaseStatus.DISMISSED, decided))
            case["decision_note"] = "证据不足，不予列入。"
        else:
            listed = decided.date()
            case.update(listed_at=listed, decision_note="决定列入失信联合惩戒对象名单。",
                        expected_exit_date=_years_later(listed, listing_years))
            events.append(("decide", CaseStatus.NOTIFIED, CaseStatus.LISTED, decided))
            if stage == "expired":
                events.append(("expire", CaseStatus.LISTED, CaseStatus.EXPIRED, at(case["expected_exit_date"], 1)))
    case.update(status=events[-1][2], version=len(events), updated_at=events[-1][3])
    ctx.row(BlacklistCase, **case)
    for action, before, after, when in events:
        ctx.row(BlacklistEvent, case_id=pk, action=action, from_status=before, to_status=after, at=when,
                actor_id=None if action == "expire" else regulator_for(ctx, home.region))
