"""factory_boy factories. Identifiers carry real check digits (GB 32100, GB 11643)."""

import itertools
from datetime import date

import factory
from stdnum.cn import ric, uscc

from accounts.choices import Department, Role
from accounts.models import User
from institutions.choices import InstitutionType, Nature, OperationModel, PractitionerRole
from institutions.models import Institution, Person, Practitioner, Region
from insurance.models import Insurer

_serial = itertools.count(1)


def make_uscc(region_code: str = "440106", serial: int | None = None, kind: str = "52") -> str:
    """A valid 18-character USCC: authority+type, region, 9-character organisation code, check."""
    serial = next(_serial) if serial is None else serial
    body = f"{kind}{region_code}MJ{serial:07d}"
    return body + uscc.calc_check_digit(body)


def make_id_number(serial: int | None = None, birth: date = date(1975, 6, 1), place: str = "110105") -> str:
    """A valid 18-digit resident ID number (GB 11643). 110105 has no validity range in the table."""
    serial = (next(_serial) if serial is None else serial) % 1000
    body = f"{place}{birth:%Y%m%d}{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


def region(code: str) -> Region:
    return Region.objects.get(code=code)


class InsurerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Insurer
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"insurer{n}")
    name = factory.Sequence(lambda n: f"保险公司{n}")
    uscc = factory.LazyFunction(lambda: make_uscc("440104", kind="91"))


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    uscc = factory.LazyAttribute(lambda o: make_uscc(o.region.code))
    name = factory.Sequence(lambda n: f"测试养老院{n}号")
    region = factory.LazyFunction(lambda: region("440106"))
    type = InstitutionType.NURSING_HOME
    nature = Nature.NON_PROFIT
    operation_model = OperationModel.PRIVATE
    address = "天河路1号"
    beds_total = 120
    beds_nursing = 70
    beds_in_use = 90
    residents = 88


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"张{n}")
    id_number = factory.LazyFunction(make_id_number)
    phone = "13800138000"


class PractitionerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practitioner

    person = factory.SubFactory(PersonFactory)
    institution = factory.SubFactory(InstitutionFactory)
    role = PractitionerRole.CAREGIVER


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")
    role = Role.ADMIN

    @factory.post_generation
    def persist(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_user(role: str, *, region_code: str | None = None, institution=None, insurer=None, **kwargs) -> User:
    extra = {}
    if role in (Role.REGULATOR, Role.INSPECTOR):
        extra["region"] = region(region_code or "440100")
    if role == Role.INSPECTOR:
        extra["department"] = kwargs.pop("department", Department.CIVIL_AFFAIRS)
    if role == Role.INSTITUTION:
        extra["institution"] = institution or InstitutionFactory()
    if role == Role.INSURER:
        extra["insurer"] = insurer or InsurerFactory()
    return UserFactory(role=role, is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN, **extra, **kwargs)


def make_scheme(region_code: str = "440000", year: int = 2026, base: str = "120.00", actor=None, **overrides):
    """A rating scheme with Guangdong-like default limits, through the service."""
    from decimal import Decimal

    from insurance.services import create_scheme

    sections = [
        {"section": "general", "per_person_limit": Decimal("200000"), "per_accident_limit": Decimal("1000000"),
         "aggregate_limit": Decimal("3000000"), "deductible": Decimal("500")},
        {"section": "other", "per_person_limit": Decimal("100000"), "per_accident_limit": Decimal("1000000"),
         "aggregate_limit": Decimal("3000000"), "deductible": Decimal("500")},
        {"section": "third_party", "per_person_limit": Decimal("100000"), "per_accident_limit": Decimal("500000"),
         "aggregate_limit": Decimal("1000000"), "deductible": Decimal("500")},
        {"section": "legal_costs", "per_person_limit": Decimal("50000"), "per_accident_limit": Decimal("100000"),
         "aggregate_limit": Decimal("200000"), "deductible": Decimal("0")},
    ]
    return create_scheme(
        actor=actor or make_user(Role.ADMIN), region=region(region_code), year=year, name=f"{region_code} {year} 统一方案",
        base_rate_per_bed=Decimal(base), sections=overrides.pop("sections", sections), **overrides,
    )


def pdf_bytes(pages: int = 1) -> bytes:
    """A small real PDF."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def term_covering(day=None, years: int = 1):
    """(start, end) of a policy term that covers `day` (default: today in Asia/Shanghai)."""
    from datetime import timedelta

    from django.utils import timezone

    day = day or timezone.localdate()
    start = day - timedelta(days=100)
    return start, start.replace(year=start.year + years) - timedelta(days=1)
