"""Insurance demo data: the two insurers of the demo provinces, their claims handlers' accounts,
the provinces' rating schemes and liability policies for about 60 % of the demo homes.

Which homes are insured, and when their policy year began, is derived from the USCC (SHA-256),
so the data is the same on every machine; terms are counted back from the day of seeding, so some
policies always fall due within 30, 60 and 90 days.
"""

import hashlib
from datetime import timedelta
from decimal import Decimal
from typing import NamedTuple

from accounts.choices import Role
from accounts.demo import DemoContext, demo_account
from accounts.jobs import demo_step
from accounts.scoping import region_q
from institutions.models import Institution, Region
from insurance.models import Insurer, Policy, RatingScheme
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
