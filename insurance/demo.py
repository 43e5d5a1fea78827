"""Insurance demo data: the two insurers of the demo provinces, their claims handlers' accounts,
the provinces' rating schemes, liability policies for about 60 % of the demo homes, and a dozen
incidents with their claims in every state (CLAIM_STORIES).

Which homes are insured, and when their policy year began, is derived from the USCC (SHA-256),
so the data is the same on every machine; terms are counted back from the day of seeding, so some
policies always fall due within 30, 60 and 90 days.
"""

import functools
import hashlib
import io
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.choices import Role
from accounts.demo import DemoContext, demo_account
from accounts.jobs import demo_step
from accounts.models import User
from accounts.scoping import region_q
from institutions.models import Institution, Region
from insurance.models import (
    Claim,
    ClaimDocument,
    ClaimEvent,
    Dispute,
    Incident,
    IncidentAttachment,
    Insurer,
    Payment,
    Policy,
    RatingScheme,
)
from insurance.rating import split_premium
from insurance.services import (
    PolicyTerms,
    activate_policy,
    create_insurer,
    create_policy,
    create_scheme,
    declare_residents_not_charged,
    quote_for,
)
from insurance.services import claims as claim_services
from insurance.services.claims import covering_q


class InsurerRow(NamedTuple):
    code: str
    name: str
    uscc: str
    contact_person: str
    contact_phone: str


INSURERS: list[InsurerRow] = [
    InsurerRow("picc-gd", "中国人民财产保险股份有限公司广东省分公司", "91440000656988189B", "蔡文斌", "020-83916247"),
    InsurerRow("cpic-sx", "中国太平洋财产保险股份有限公司陕西分公司", "91610000754784809Q", "程丽娜", "029-87365120"),
]


ACCOUNTS = [("insurer_picc", "许嘉欣", "picc-gd"), ("insurer_cpic", "程静", "cpic-sx")]


@demo_step("insurers", order=20)
def seed_insurers(ctx: DemoContext) -> None:
    existing = Insurer.objects.in_bulk([row.code for row in INSURERS], field_name="code")
    for row in INSURERS:
        if row.code not in existing:
            existing[row.code] = create_insurer(actor=ctx.admin, **row._asdict())
            ctx.created["insurers"] += 1
    for username, full_name, code in ACCOUNTS:
        demo_account(ctx, username=username, role=Role.INSURER, full_name=full_name, insurer=existing[code])


# Province, base rate per bed per year, the insurer of the province's tender, subsidy split (%).
SCHEMES = [
    ("440000", Decimal("120.00"), "picc-gd", {"city": Decimal(60), "institution": Decimal(40)}),
    ("610000", Decimal("80.00"), "cpic-sx", {"county": Decimal(30), "city": Decimal(40), "institution": Decimal(30)}),
]
SECTIONS = [  # 元: per person, per accident, aggregate, deductible
    ("general", 200_000, 1_000_000, 3_000_000, 500),
    ("other", 100_000, 1_000_000, 3_000_000, 500),
    ("third_party", 100_000, 500_000, 1_000_000, 500),
    ("legal_costs", 50_000, 100_000, 200_000, 0),
]
INSURED_SHARE = 60  # % of homes with a policy in force


def _h(*parts) -> int:
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:12], 16)


@demo_step("rating_schemes_and_policies", order=30)
def seed_policies(ctx: DemoContext) -> None:
    insurers = {i.code: i for i in Insurer.objects.all()}
    sections = [
        {"section": name, "per_person_limit": Decimal(a), "per_accident_limit": Decimal(b),
         "aggregate_limit": Decimal(c), "deductible": Decimal(d)}
        for name, a, b, c, d in SECTIONS
    ]
    for region_code, base, insurer_code, split in SCHEMES:
        for year in (ctx.today.year - 1, ctx.today.year):
            if not RatingScheme.objects.filter(region_id=region_code, year=year).exists():
                create_scheme(
                    actor=ctx.admin, region=Region.objects.get(code=region_code), year=year,
                    name=f"{year}年度养老机构责任保险统一方案", base_rate_per_bed=base, sections=sections,
                )
                ctx.created["rating schemes"] += 1
        homes = Institution.objects.filter(region_q("region", region_code), is_active=True).order_by("uscc")
        insured = [home for home in homes if _h(home.uscc, "insured") % 100 < INSURED_SHARE]
        already = set(Policy.objects.filter(institution__in=insured).values_list("institution_id", flat=True))
        for home in insured:
            if home.pk not in already:
                _insure(ctx, home, insurers[insurer_code], split)


def _insure(ctx: DemoContext, home: Institution, insurer: Insurer, split: dict) -> None:
    start = ctx.today - timedelta(days=_h(home.uscc, "start") % 360)
    end = start.replace(year=start.year + 1) - timedelta(days=1)
    _scheme, quote = quote_for(institution=home, start_date=start, insured_beds=home.beds_total)
    funding = [{"payer": payer, "amount": amount} for payer, amount in split_premium(quote.premium, split).items()]
    terms = PolicyTerms(start_date=start, end_date=end, insured_beds=home.beds_total, funding=funding)
    policy = create_policy(actor=ctx.admin, terms=terms, institution_id=home.pk, insurer=insurer)
    declare_residents_not_charged(actor=ctx.admin, policy_id=policy.pk)
    number = f"{insurer.code.upper()}-{start.year}-{_h(home.uscc, 'number') % 10**6:06d}"
    activate_policy(actor=ctx.admin, policy_id=policy.pk, number=number)
    ctx.created["policies"] += 1


# ---------------------------------------------------------------------------------------------
# Incidents and claims: a literal table of stories, each played through the claim services by the
# parties who would play it (the demo homes' and insurers' accounts where there are some), so the
# demo accounts find a work queue, a fast-track claim, a dispute to mediate and paid claims.
#
# The services stamp every step "now"; a story happened over days or weeks, so once played its
# timestamps (report, milestones, events, payment) are moved back to the days the story gives,
# counted from the day of seeding. That is the only write here that bypasses the services.


class ClaimStory(NamedTuple):
    home: str  # institution name
    days_ago: int  # when the incident happened
    category: str
    place: str
    description: str
    persons: tuple  # (kind, name, outcome, injury)
    section: str
    lines: tuple  # (person index or None, cost item, amount)
    documents: tuple  # kinds uploaded with the claim
    steps: tuple  # (action, days after the report, argument)


CLAIM_STORIES: list[ClaimStory] = [
    ClaimStory(
        "广州市天河区康乐颐养院", 12, "fall", "三楼302室卫生间",
        "陈桂兰老人夜间如厕时滑倒，护理员巡查发现后立即报告值班医生，初步判断右腕骨折，送医治疗。",
        (("resident", "陈桂兰", "injury", "右腕骨折"),), "general", ((0, "medical", "3200.00"),),
        ("invoice", "medical_record"),
        (("register", 1, ""), ("approve", 2, "3200.00"), ("pay", 4, "")),
    ),
    ClaimStory(
        "广州市天河区康乐颐养院", 40, "choking", "一楼餐厅",
        "黄德明老人午餐时发生噎食，护理员立即实施海姆立克急救并拨打120，送医后经抢救无效死亡。",
        (("resident", "黄德明", "death", "噎食窒息"),), "general",
        ((0, "death", "100000.00"), (0, "funeral", "20000.00")), ("death_certificate",),
        (("register", 2, ""), ("request-documents", 6, "请补充丧葬费用票据及医院抢救记录。"),
         ("responsibility", 20, "secondary")),
    ),
    ClaimStory(
        "广州市天河区康乐颐养院", 3, "scald", "二楼开水间",
        "刘玉珍老人自行打开水时不慎烫伤左手背，护理员立即冷水冲洗并送医务室处理。",
        (("resident", "刘玉珍", "injury", "左手背二度烫伤"),), "general", ((0, "medical", "1850.00"),),
        ("invoice", "medical_record"), (),
    ),
    ClaimStory(
        "广州市海珠区颐年养老院", 70, "food_poisoning", "食堂",
        "晚餐后多名老人出现呕吐、腹泻症状，经疾控部门调查为食物中毒，两名老人住院治疗。",
        (("resident", "梁淑芬", "injury", "急性胃肠炎"), ("resident", "何志强", "injury", "急性胃肠炎伴脱水")),
        "other", ((0, "medical", "4800.00"), (1, "medical", "5200.00")), ("invoice", "medical_record"),
        (("register", 1, ""), ("approve", 5, "3600.00,3900.00"), ("dispute", 9, "住院费用均有票据，核定金额明显偏低。")),
    ),
    ClaimStory(
        "广州市白云区寿康颐养中心", 95, "bed_fall", "五楼511室",
        "谢炳坤老人凌晨自行翻越床栏坠床，头部擦伤，经检查无骨折。",
        (("resident", "谢炳坤", "injury", "头部擦伤"),), "general", ((0, "medical", "8600.00"),),
        ("invoice", "medical_record"),
        (("register", 2, ""), ("reject", 12, "no_liability"), ("close", 15, "")),
    ),
    ClaimStory(
        "广州市天河区康宁医养中心", 35, "fall", "大堂入口",
        "探望家属罗先生在大堂入口处因地面湿滑摔倒，膝部受伤。",
        (("third_party", "罗建华", "injury", "左膝软组织挫伤"),), "third_party", ((0, "medical", "4200.00"),),
        ("invoice", "medical_record"),
        (("register", 1, ""), ("approve", 3, "4200.00"), ("pay", 6, "")),
    ),
    ClaimStory(
        "深圳市罗湖区社会福利中心", 20, "wandering", "院区南门",
        "失智老人周国平趁人员进出时走失，次日在附近公园找到，腿部轻度擦伤。",
        (("resident", "周国平", "injury", "腿部擦伤、轻度脱水"),), "general", ((0, "medical", "2600.00"),),
        ("invoice",), (),
    ),
    ClaimStory(
        "汉滨区中心敬老院", 60, "fall", "院内活动广场",
        "张德富老人在活动广场散步时跌倒，经诊断为股骨颈骨折，住院手术治疗。",
        (("resident", "张德富", "injury", "左股骨颈骨折"),), "general", ((0, "medical", "18000.00"),),
        ("invoice", "medical_record"),
        (("register", 2, ""), ("approve", 10, "16500.00"), ("pay", 14, ""), ("close", 16, "")),
    ),
    ClaimStory(
        "汉滨区中心敬老院", 6, "choking", "二楼餐厅",
        "王秀兰老人早餐时噎食，护理员及时拍背处理后缓解，送卫生院观察。",
        (("resident", "王秀兰", "injury", "吸入性肺炎"),), "general", ((0, "medical", "1200.00"),),
        ("invoice", "medical_record"), (("register", 1, ""),),
    ),
    ClaimStory(
        "安康市汉滨区康复医养中心", 45, "pressure_sore", "护理楼三层",
        "长期卧床老人李桂英骶尾部出现三期压疮，转院治疗。",
        (("resident", "李桂英", "injury", "骶尾部三期压疮"),), "general", ((0, "medical", "6800.00"),),
        ("invoice", "medical_record"), (("register", 3, ""),),
    ),
    ClaimStory(
        "旬阳市中心敬老院", 100, "elevator", "1号电梯",
        "电梯突然停运，困梯老人陈永福受惊摔倒致手臂骨折。",
        (("resident", "陈永福", "injury", "右前臂骨折"),), "other", ((0, "medical", "9000.00"),),
        ("invoice", "medical_record"), (("register", 2, ""), ("approve", 8, "9000.00")),
    ),
]
STORY_USERS = {"广州市天河区康乐颐养院": "gz_home", "汉滨区中心敬老院": "ak_home"}
INSURER_USERS = {code: username for username, _name, code in ACCOUNTS}
DOCUMENT_NAMES = {
    "invoice": "医疗费用票据.pdf", "medical_record": "病历及诊断证明.pdf", "death_certificate": "死亡证明.pdf",
    "disability_assessment": "伤残鉴定书.pdf",
}


@functools.cache
def _demo_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@demo_step("incidents_and_claims", order=40)
def seed_claims(ctx: DemoContext) -> None:
    users = {u.username: u for u in User.objects.filter(
        username__in=[*STORY_USERS.values(), *INSURER_USERS.values(), "gz_regulator", "ak_regulator"])}
    homes = {h.name: h for h in Institution.objects.filter(name__in={story.home for story in CLAIM_STORIES})}
    for index, story in enumerate(CLAIM_STORIES):
        home = homes.get(story.home)
        if home is None or Incident.objects.filter(institution=home, description=story.description).exists():
            continue
        _play(ctx, index, story, home, users)


def _play(ctx: DemoContext, index: int, story: ClaimStory, home: Institution, users: dict) -> None:
    now = timezone.now()
    day = ctx.today - timedelta(days=story.days_ago)
    policy = Policy.objects.filter(covering_q(day), institution=home).select_related("insurer").order_by("-start_date").first()
    if policy is None:  # an older database whose policies no longer cover the story's day
        return
    occurred = min(timezone.make_aware(datetime.combine(day, time(8 + index % 10, 5 * index % 60))), now - timedelta(hours=2))
    institution_user = users.get(STORY_USERS.get(home.name, ""), ctx.admin)
    insurer_user = users.get(INSURER_USERS.get(policy.insurer.code, ""), ctx.admin)
    regulator = users.get("gz_regulator" if home.region_id.startswith("44") else "ak_regulator", ctx.admin)

    notified = occurred + timedelta(minutes=40)
    incident = claim_services.report_incident(
        actor=institution_user, institution_id=home.pk,
        data={"occurred_at": occurred, "category": story.category, "place": story.place, "description": story.description,
              "first_aid": "护理员现场处置并报告值班医生。", "hospital_transfer": True, "hospital": "就近二级以上医院",
              "family_notified_at": min(notified, now), "family_notified_how": "phone"},
        persons=[{"kind": k, "name": n, "outcome": o, "injury": i} for k, n, o, i in story.persons],
    )
    persons = list(incident.persons.order_by("id"))
    lines = [claim_services.LineData(item=item, claimed_amount=Decimal(amount), person_id=persons[p].pk if p is not None else None)
             for p, item, amount in story.lines]
    claim = claim_services.create_claim(
        actor=institution_user, policy_id=policy.pk, incident_id=incident.pk, section=story.section,
        claimed_amount=sum((line.claimed_amount for line in lines), Decimal("0")), lines=lines,
    )
    for kind in story.documents:
        claim_services.upload_claim_document(
            actor=institution_user, claim_id=claim.pk, kind=kind,
            uploaded=SimpleUploadedFile(DOCUMENT_NAMES.get(kind, "材料.pdf"), _demo_pdf(), "application/pdf"),
        )
    reported = min(occurred + timedelta(hours=4), now - timedelta(hours=1))
    when = {"create": reported}
    for action, days, argument in story.steps:
        at = min(reported + timedelta(days=days, hours=2), now - timedelta(minutes=30))
        when.setdefault(action, at)
        _step(claim.pk, action, argument, institution=institution_user, insurer=insurer_user, regulator=regulator,
              incident=incident)
    _backdate(incident, claim.pk, occurred, when)
    ctx.created["incidents"] += 1
    ctx.created["claims"] += 1


def _step(claim_id, action, argument, *, institution, insurer, regulator, incident):
    s = claim_services
    if action == "register":
        s.register_claim(actor=insurer, claim_id=claim_id)
    elif action == "request-documents":
        s.request_documents(actor=insurer, claim_id=claim_id, note=argument)
    elif action == "approve":
        claim = Claim.objects.get(pk=claim_id)
        amounts = [Decimal(a) for a in argument.split(",")]
        lines = None
        if len(amounts) > 1:
            lines = [{"id": line.pk, "approved_amount": amount}
                     for line, amount in zip(claim.lines.order_by("id"), amounts)]
        s.approve_claim(actor=insurer, claim_id=claim_id, approved_amount=sum(amounts, Decimal("0")), lines=lines)
    elif action == "reject":
        s.reject_claim(actor=insurer, claim_id=claim_id, reason=argument, note="经调查，坠床系老人自行翻越床栏所致，机构已履行防护义务。")
    elif action == "pay":
        claim = Claim.objects.get(pk=claim_id)
        s.pay_claim(actor=insurer, claim_id=claim_id, paid_amount=claim.approved_amount, paid_on=timezone.localdate(),
                    reference=f"PAY-{claim.number}")
    elif action == "close":
        s.close_claim(actor=insurer, claim_id=claim_id)
    elif action == "dispute":
        s.dispute_claim(actor=institution, claim_id=claim_id, note=argument)
    elif action == "responsibility":
        s.determine_responsibility(actor=regulator, incident_id=incident.pk, responsibility=argument,
                                   note="经调查，机构已按规定配备餐时看护人员，但未落实噎食风险老人的专人喂食要求，负次要责任。")
    else:  # pragma: no cover - a typo in the table
        raise ValueError(action)


MILESTONES = {"register": "registered_at", "request-documents": "documents_requested_at", "approve": "approved_at",
              "pay": "paid_at", "close": "closed_at", "dispute": "disputed_at"}


def _backdate(incident: Incident, claim_id: int, occurred, when: dict) -> None:
    """Move the services' "now" stamps back to the days of the story."""
    Incident.objects.filter(pk=incident.pk).update(created_at=occurred + timedelta(hours=3))
    IncidentAttachment.objects.filter(incident=incident).update(uploaded_at=occurred + timedelta(hours=3))
    claim = Claim.objects.get(pk=claim_id)
    stamps = {field: when[action] for action, field in MILESTONES.items() if action in when and getattr(claim, field)}
    if claim.paid_on:
        stamps["paid_on"] = timezone.localdate(when["pay"])
    Claim.objects.filter(pk=claim_id).update(created_at=when["create"], **stamps)
    ClaimDocument.objects.filter(claim_id=claim_id).update(uploaded_at=when["create"])
    for event in ClaimEvent.objects.filter(claim_id=claim_id).order_by("id"):
        ClaimEvent.objects.filter(pk=event.pk).update(at=when.get(event.action, when["create"]))
    if "pay" in when:
        Payment.objects.filter(claim_id=claim_id).update(at=when["pay"], paid_on=timezone.localdate(when["pay"]))
    if "dispute" in when:
        Dispute.objects.filter(claim_id=claim_id).update(raised_at=when["dispute"])
    if "responsibility" in when:
        Incident.objects.filter(pk=incident.pk).update(responsibility_determined_at=when["responsibility"])
