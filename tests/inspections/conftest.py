"""Fixtures of the inspections tests: a small published checklist of three departments, homes in
广州 天河 and 安康, inspectors of civil affairs and fire rescue, and regulators of both cities."""

from datetime import date

import pytest
from django.utils import timezone

from accounts.choices import Department, Role
from inspections.choices import ClauseSource, InspectionType, TemplateStatus
from inspections.models import ChecklistItem, ChecklistTemplate, Inspection
from tests.factories import InstitutionFactory, make_user, region

ITEMS = [
    # code, section, text, source, clause, department, major hazard
    ("BR-1", "基本要求", "设置安全警示标识", ClauseSource.GB38600, "GB 38600-2019 4.3", Department.CIVIL_AFFAIRS, False),
    ("NP-1", "九防", "入院前对老年人进行噎食风险评估", ClauseSource.GB38600, "GB 38600-2019 5.1", Department.CIVIL_AFFAIRS, False),
    ("MH-1", "重大事故隐患", "建筑物不属于C级或D级危房", ClauseSource.MAJOR_HAZARD, "民办发〔2023〕13号 第三条第（一）项",
     Department.HOUSING, True),
    ("FS-1", "消防安全", "疏散通道、安全出口畅通", ClauseSource.FIRE, "民发〔2023〕37号", Department.FIRE_RESCUE, True),
    ("FS-2", "消防安全", "每半年至少组织一次消防演练", ClauseSource.FIRE, "民发〔2023〕37号", Department.FIRE_RESCUE, False),
]


@pytest.fixture
def checklist(db):
    template = ChecklistTemplate.objects.create(
        code="test-joint", version=1, name="测试检查表", status=TemplateStatus.PUBLISHED, published_at=timezone.now()
    )
    for order, (code, section, text, source, clause, department, major) in enumerate(ITEMS, start=1):
        ChecklistItem.objects.create(
            template=template, code=code, section=section, order=order, text=text, source=source, clause=clause,
            department=department, is_major_hazard=major,
        )
    return template


class World:
    """Homes, users and a helper to plan an inspection directly (services are tested on their own)."""


@pytest.fixture
def iw(db, checklist):
    w = World()
    w.checklist = checklist
    w.home = InstitutionFactory(region=region("440106"), name="天河康乐养老院")
    w.other_home = InstitutionFactory(region=region("440106"), name="天河福寿养老院")
    w.far_home = InstitutionFactory(region=region("610902"), name="汉滨区中心敬老院")
    w.institution = make_user(Role.INSTITUTION, institution=w.home)
    w.other_institution = make_user(Role.INSTITUTION, institution=w.other_home)
    w.inspector = make_user(Role.INSPECTOR, region_code="440100", department=Department.CIVIL_AFFAIRS, full_name="王检查")
    w.inspector2 = make_user(Role.INSPECTOR, region_code="440106", department=Department.FIRE_RESCUE, full_name="李消防")
    w.far_inspector = make_user(Role.INSPECTOR, region_code="610900", department=Department.CIVIL_AFFAIRS)
    w.regulator = make_user(Role.REGULATOR, region_code="440100")
    w.far_regulator = make_user(Role.REGULATOR, region_code="610900")
    w.admin = make_user(Role.ADMIN)

    def plan(home=None, *, type=InspectionType.ROUTINE, scheduled_for=None, inspectors=None, departments=None, **extra):
        inspection = Inspection.objects.create(
            institution=home or w.home, type=type, checklist=checklist,
            scheduled_for=scheduled_for or date(2026, 12, 1),
            departments=departments or [Department.CIVIL_AFFAIRS, Department.FIRE_RESCUE, Department.HOUSING],
            created_by=w.regulator, **extra,
        )
        inspection.inspectors.set(inspectors or [w.inspector, w.inspector2])
        return inspection

    w.plan = plan
    return w
