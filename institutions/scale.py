"""Benchmark dataset, institutions part: homes spread over the counties of every mainland province
(a few counties dense), sizes with a long tail around 127 beds, their staff, and accounts for a
sample of homes. See accounts.scale for the rules every step keeps."""

import math
from datetime import date, timedelta
from random import Random

from stdnum.cn import ric, uscc

from accounts.choices import Role
from accounts.jobs import scale_step
from accounts.scale import Home, ScaleContext, at, mobile, person_name
from institutions.choices import (
    FilingStatus,
    InstitutionType,
    MedicalLicence,
    Nature,
    OperationModel,
    PractitionerRole,
    RegionLevel,
)
from institutions.models import Institution, Person, Practitioner, Region

# Beds: lognormal with mean MEAN_BEDS (mean of a lognormal = exp(mu + sigma²/2)), clipped to a
# plausible range; the clip moves the mean by well under 1 %.
MEAN_BEDS, BEDS_SIGMA, MIN_BEDS, MAX_BEDS = 127, 0.8, 10, 2000
NOT_MAINLAND = ("71", "81", "82")  # Taiwan, Hong Kong, Macao: outside the civil-affairs scheme
DENSE_SHARE, DENSE_FACTOR = 0.02, 8  # 2 % of counties hold about 8 times the usual number of homes

TYPES = [  # (type, weight)
    (InstitutionType.NURSING_HOME, 45), (InstitutionType.RURAL_HOME, 20), (InstitutionType.CENTRAL_RURAL_HOME, 5),
    (InstitutionType.REGIONAL_CENTER, 3), (InstitutionType.DAY_CARE, 4), (InstitutionType.COMMUNITY_STATION, 2),
    (InstitutionType.EMBEDDED_SMALL, 8), (InstitutionType.RURAL_HAPPINESS, 5), (InstitutionType.MEDICAL_CARE, 8),
]
PUBLIC_TYPES = {InstitutionType.RURAL_HOME, InstitutionType.CENTRAL_RURAL_HOME, InstitutionType.REGIONAL_CENTER,
                InstitutionType.RURAL_HAPPINESS}
NAME_SUFFIX = {
    InstitutionType.NURSING_HOME: ["养老院", "颐养院", "康乐养老院", "福寿养老院", "敬老公寓"],
    InstitutionType.RURAL_HOME: ["敬老院"],
    InstitutionType.CENTRAL_RURAL_HOME: ["中心敬老院"],
    InstitutionType.REGIONAL_CENTER: ["区域性养老服务中心"],
    InstitutionType.DAY_CARE: ["日间照料中心"],
    InstitutionType.COMMUNITY_STATION: ["居家养老服务站"],
    InstitutionType.EMBEDDED_SMALL: ["嵌入式养老院", "长者之家"],
    InstitutionType.RURAL_HAPPINESS: ["农村幸福院"],
    InstitutionType.MEDICAL_CARE: ["医养结合中心", "护理院", "康复养老中心"],
}
ROADS = "人民路 解放路 建设路 中山路 和平路 幸福路 长安街 新华路 育才路 滨河路 朝阳路 东风路".split()
LEVEL_WEIGHTS = [10, 30, 35, 18, 7]
CARE_QUALIFICATIONS = ["养老护理员（五级）", "养老护理员（四级）", "养老护理员（三级）", ""]


def sample_beds(rng: Random) -> int:
    """One home's total beds: long-tailed, mean about MEAN_BEDS."""
    mu = math.log(MEAN_BEDS) - BEDS_SIGMA**2 / 2
    return int(min(MAX_BEDS, max(MIN_BEDS, round(rng.lognormvariate(mu, BEDS_SIGMA)))))


def org_code_check(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code (digits here)."""
    total = sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def make_uscc(prefix: str, region: str, serial: int) -> str:
    """A valid unified social credit code: authority and type (`prefix`, e.g. 52 = civil affairs,
    private non-enterprise unit), region, organisation code with its check, then the GB 32100 check."""
    body = f"{serial:08d}"
    code = f"{prefix}{region}{body}{org_code_check(body)}"
    return code + uscc.calc_check_digit(code)


def _leaf_regions() -> list[Region]:
    """Counties, and cities without counties (东莞): where a home may be registered."""
    with_children = set(Region.objects.filter(level=RegionLevel.CITY, children__isnull=False).values_list("code", flat=True))
    regions = Region.objects.exclude(level=RegionLevel.PROVINCE).exclude(code__in=with_children).order_by("code")
    return [r for r in regions if r.code[:2] not in NOT_MAINLAND]


def _place_ok(code: str, year: int) -> bool:
    body = f"{code}{year}0701001"
    try:
        return ric.is_valid(body + ric.calc_check_digit(body + "0"))
    except KeyError:  # python-stdnum trips over a few codes of its own table: not usable then
        return False


class People:
    """Unique, valid resident ID numbers: birth place a county that existed when the person was born."""

    def __init__(self, places: list[str]):
        self.places = [p for p in places if _place_ok(p, 1955) and _place_ok(p, 2003)] or ["110101"]
        self.by_province: dict[str, list[str]] = {}
        for place in self.places:
            self.by_province.setdefault(place[:2], []).append(place)
        self.used: dict[tuple, int] = {}

    def id_number(self, rng: Random, county: str, born: date, male: bool) -> str:
        local = self.by_province.get(county[:2]) if rng.random() < 0.85 else None
        place = rng.choice(local or self.places)
        key = (place, born)
        n = self.used.get(key, 0)
        self.used[key] = n + 1
        body = f"{place}{born:%Y%m%d}{(n * 2 + (1 if male else 2)) % 1000:03d}"  # odd for men
        return body + ric.calc_check_digit(body + "0")


@scale_step("institutions", order=10)
def institutions(ctx: ScaleContext) -> None:
    rng = ctx.rng("institutions")
    leaves = _leaf_regions()
    if not leaves:
        raise ValueError("The region table is empty: run `manage.py load_regions` first.")
    weights = [rng.lognormvariate(0, 0.6) * (DENSE_FACTOR if rng.random() < DENSE_SHARE else 1) for _ in leaves]
    chosen = rng.choices(leaves, weights=weights, k=ctx.institutions)
    chosen.sort(key=lambda r: r.code)  # ids then follow regions, as a registry imported county by county
    people = People([r.code for r in leaves])
    serial = rng.randrange(10**6, 10**7)
    for index, region in enumerate(ctx.bar(chosen, "institutions")):
        home = _institution(ctx, rng, region, serial + index)
        ctx.counties.setdefault(region.code, []).append(len(ctx.homes))
        ctx.homes.append(Home(home["id"], region.code, home["beds_total"], home["level"], home["residents_since"]))
        _staff(ctx, rng, people, ctx.homes[-1])
        # Every home has its account: incidents, claims and rectifications are reported by it.
        ctx.home_users[home["id"]] = ctx.add_user(
            f"home_{home['id']}", Role.INSTITUTION, institution_id=home["id"], full_name=home["contact_person"],
            phone=home["contact_phone"])


def _institution(ctx: ScaleContext, rng: Random, region: Region, serial: int) -> dict:
    kind = rng.choices([t for t, _w in TYPES], weights=[w for _t, w in TYPES])[0]
    public = kind in PUBLIC_TYPES
    beds = sample_beds(rng)
    opened = ctx.start - timedelta(days=rng.randrange(30, 365 * 20))
    level = rng.choices(range(1, 6), weights=LEVEL_WEIGHTS)[0] if rng.random() < 0.6 else None
    filed = rng.random() < 0.93
    in_use = round(beds * rng.uniform(0.45, 0.95))
    medical = (MedicalLicence.LICENCE if kind == InstitutionType.MEDICAL_CARE
               else MedicalLicence.FILING if rng.random() < 0.2 else MedicalLicence.NONE)
    return ctx.row(
        Institution, id=ctx.new_id(Institution), uscc=make_uscc("52", region.code, serial),
        name=f"{region.name}{rng.choice(NAME_SUFFIX[kind])}（{serial % 10000:04d}）", region_id=region.code,
        type=kind, nature=Nature.NON_PROFIT if public or rng.random() < 0.6 else Nature.FOR_PROFIT,
        operation_model=(rng.choice([OperationModel.PUBLIC, OperationModel.PUBLIC_PRIVATE]) if public
                         else rng.choice([OperationModel.PRIVATE, OperationModel.PRIVATE, OperationModel.PRIVATE_SUBSIDISED])),
        level=level, level_rated_on=ctx.start - timedelta(days=rng.randrange(0, 700)) if level else None,
        filing_status=FilingStatus.FILED if filed else FilingStatus.NOT_FILED,
        filed_on=opened + timedelta(days=rng.randrange(0, 60)) if filed else None, residents_since=opened,
        address=f"{region.full_name}{rng.choice(ROADS)}{rng.randrange(1, 999)}号", contact_person=person_name(rng),
        contact_phone=mobile(rng), beds_total=beds, beds_nursing=round(beds * rng.uniform(0.3, 0.8)),
        beds_in_use=in_use, residents=in_use, building_area=beds * rng.randrange(28, 55),
        medical_licence=medical, medical_licence_no=f"PDY{serial:08d}" if medical == MedicalLicence.LICENCE else "",
        medical_licence_valid_until=ctx.today + timedelta(days=rng.randrange(30, 1500)) if medical == MedicalLicence.LICENCE else None,
        created_at=at(opened), updated_at=at(ctx.today - timedelta(days=rng.randrange(0, 700)), rng.randrange(8, 18)),
    )


def _staff(ctx: ScaleContext, rng: Random, people: People, home: Home) -> None:
    """A handful of jobs scaled with beds: the legal representative, the principal, a safety officer,
    some managers and care workers; about one in twenty has already left."""
    count = 3 + home.beds // 30 + rng.randrange(0, 3)
    roles = [PractitionerRole.LEGAL_REPRESENTATIVE, PractitionerRole.PRINCIPAL, PractitionerRole.SAFETY_OFFICER]
    roles += [PractitionerRole.MANAGER if rng.random() < 0.2 else PractitionerRole.CAREGIVER for _ in range(count - 3)]
    for role in roles:
        male = rng.random() < (0.2 if role == PractitionerRole.CAREGIVER else 0.5)
        born = date(rng.randrange(1960, 2001), 1, 1) + timedelta(days=rng.randrange(365))
        person = ctx.new_id(Person)
        ctx.row(Person, id=person, name=person_name(rng), id_number=people.id_number(rng, home.region, born, male),
                phone=mobile(rng))
        started = home.opened + timedelta(days=rng.randrange(0, max(1, (ctx.today - home.opened).days)))
        ended = started + timedelta(days=rng.randrange(30, 400)) if rng.random() < 0.05 else None
        caregiver = role == PractitionerRole.CAREGIVER
        ctx.row(
            Practitioner, id=ctx.new_id(Practitioner), person_id=person, institution_id=home.id, role=role,
            qualification=rng.choice(CARE_QUALIFICATIONS) if caregiver else "",
            certificate_no=f"YLHL{rng.randrange(10**9):09d}" if caregiver and rng.random() < 0.7 else "",
            trained_on=ctx.today - timedelta(days=rng.randrange(10, 700)) if rng.random() < 0.8 else None,
            training_hours=rng.randrange(0, 80), started_on=started,
            ended_on=min(ended, ctx.today) if ended else None,
            created_at=at(started), updated_at=at(ended or started),
        )
