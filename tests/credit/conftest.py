"""Shared fixtures of the credit tests: homes in 广州 天河 and 安康 汉滨 with their users, and helpers
writing facts straight into the other rooms' tables (their services are tested there)."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.choices import Role
from credit.choices import ComplaintCategory, ComplaintStatus, DishonestyKind
from credit.models import Complaint, DishonestyRecord
from inspections.choices import FindingScope, InspectionStatus, InspectionType, TemplateStatus
from inspections.models import ChecklistTemplate, Finding, Inspection, Penalty
from institutions.choices import FilingStatus
from insurance.choices import PolicyStatus
from insurance.models import Incident, Policy
from institutions.models import Institution
from tests.factories import InstitutionFactory, PersonFactory, PractitionerFactory, make_user, region

AS_OF = date(2026, 6, 30)


def moment(day: date):
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


class CreditWorld:
    """Homes and users, and `add_*` helpers that write one fact each."""

    def __init__(self):
        self.home = self.make_home(name="天河康乐养老院")
        self.other_home = self.make_home(name="天河福寿养老院")
        self.far_home = self.make_home(region_code="610902", name="汉滨区中心敬老院")
        self.admin = make_user(Role.ADMIN)
        self.regulator = make_user(Role.REGULATOR, region_code="440100")
        self.province_regulator = make_user(Role.REGULATOR, region_code="440000")
        self.far_regulator = make_user(Role.REGULATOR, region_code="610900")
        self.inspector = make_user(Role.INSPECTOR, region_code="440106")
        self.institution = make_user(Role.INSTITUTION, institution=self.home)
        self.other_institution = make_user(Role.INSTITUTION, institution=self.other_home)
        self.insurer_user = make_user(Role.INSURER)
        self.insurer = self.insurer_user.insurer
        self.checklist = ChecklistTemplate.objects.create(
            code="credit-test", version=1, name="测试检查表", status=TemplateStatus.PUBLISHED,
            published_at=timezone.now())
        self._scheme = None

    @staticmethod
    def make_home(region_code="440106", **fields):
        fields.setdefault("filing_status", FilingStatus.FILED)
        fields.setdefault("filed_on", date(2020, 1, 5))
        fields.setdefault("residents_since", date(2020, 1, 1))
        home = InstitutionFactory(region=region(region_code), **fields)
        # Registered in the system long ago, so its insurance record covers the whole window.
        Institution.objects.filter(pk=home.pk).update(created_at=moment(date(2020, 1, 5)))
        home.refresh_from_db()
        return home

    def add_inspection(self, home=None, *, day=AS_OF - timedelta(days=30)):
        return Inspection.objects.create(
            institution=home or self.home, type=InspectionType.ROUTINE, checklist=self.checklist, scheduled_for=day,
            status=InspectionStatus.COMPLETED, completed_at=moment(day))

    def add_finding(self, home=None, *, grade="E", day=AS_OF - timedelta(days=30), status="closed", major=False,
                    inspection=None):
        home = home or self.home
        inspection = inspection or self.add_inspection(home, day=day)
        finding = Finding.objects.create(
            inspection=inspection, institution=home, description=f"{grade}级问题", is_major_hazard=major,
            severity=2, scope_of_harm=FindingScope.PATTERN, grade=grade, deadline=day + timedelta(days=30),
            status=status)
        Finding.objects.filter(pk=finding.pk).update(created_at=moment(day))
        return finding

    def add_penalty(self, home=None, *, kind="warning", day=AS_OF - timedelta(days=60)):
        return Penalty.objects.create(
            institution=home or self.home, kind=kind, amount=Decimal("5000") if kind == "fine" else None,
            reason="未按期整改", legal_basis="《养老机构管理办法》", decided_on=day, document_number=f"罚{day:%Y%m%d}")

    def add_incident(self, home=None, *, responsibility="main", day=AS_OF - timedelta(days=40)):
        return Incident.objects.create(
            institution=home or self.home, occurred_at=moment(day), category="fall", place="走廊",
            description="老人在走廊跌倒", responsibility=responsibility)

    def add_policy(self, home=None, *, start=date(2025, 1, 1), end=date(2026, 12, 31), status=PolicyStatus.ACTIVE):
        if self._scheme is None:
            from tests.factories import make_scheme

            self._scheme = make_scheme("440000", actor=self.admin)
        return Policy.objects.create(
            number=f"P{Policy.objects.count() + 1:05d}", institution=home or self.home, insurer=self.insurer,
            scheme=self._scheme, start_date=start, end_date=end, insured_beds=100, base_rate_per_bed=Decimal("120"),
            rate_factor=Decimal("1"), premium=Decimal("12000"), status=status)

    def add_complaint(self, home=None, *, status=ComplaintStatus.SUBSTANTIATED, day=AS_OF - timedelta(days=20)):
        complaint = Complaint.objects.create(
            number=f"TS{Complaint.objects.count() + 1:05d}", institution=home or self.home,
            category=ComplaintCategory.CARE, text="护理不到位", status=status)
        Complaint.objects.filter(pk=complaint.pk).update(submitted_at=moment(day))
        return complaint

    def add_dishonest_worker(self, home=None, *, valid_until=date(2028, 1, 1), ended_on=None):
        person = PersonFactory()
        PractitionerFactory(person=person, institution=home or self.home, ended_on=ended_on,
                            started_on=date(2019, 1, 1))
        return DishonestyRecord.objects.create(
            person=person, kind=DishonestyKind.ABUSE, description="虐待老人", decided_on=date(2025, 3, 1),
            valid_until=valid_until)


@pytest.fixture
def cw(db):
    return CreditWorld()


@pytest.fixture
def homes_factory(cw):
    """`make(n)`: n more homes in 天河, each with one fact of every kind."""

    def make(n: int):
        homes = []
        for _ in range(n):
            home = cw.make_home()
            cw.add_finding(home, status="overdue", major=True)
            cw.add_penalty(home)
            cw.add_incident(home)
            cw.add_policy(home)
            cw.add_complaint(home)
            cw.add_dishonest_worker(home)
            homes.append(home)
        return homes

    return make
