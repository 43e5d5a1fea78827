"""The key-supervision list (重点监管): homes in scope whose credit grade is D, that are
blacklisted, or that have an open major hazard (a finding marked major hazard, still open,
submitted or overdue). One query: the reasons are annotated with Exists subqueries."""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from inspections.choices import FindingStatus
from inspections.models import Finding
from institutions.choices import CreditGrade
from institutions.selectors import institutions_for

READERS = [Role.REGULATOR, Role.INSPECTOR, Role.ADMIN]
OPEN_HAZARD = (FindingStatus.OPEN, FindingStatus.SUBMITTED, FindingStatus.OVERDUE)
REASONS = {
    "grade_d": _("Credit grade D"),
    "blacklisted": _("On the blacklist"),
    "major_hazard": _("Open major hazard"),
}


def key_supervision(user):
    """Homes in scope under key supervision, with `grade_d`, `blacklisted` and `major_hazard`
    annotated (booleans) and `reasons` attached on iteration via `with_reasons`."""
    hazard = Finding.objects.filter(institution=OuterRef("pk"), is_major_hazard=True, status__in=OPEN_HAZARD)
    return (
        institutions_for(user)
        .select_related("region")
        .annotate(major_hazard=Exists(hazard), grade_d=Q(credit_grade=CreditGrade.D),
                  blacklisted_reason=Q(is_blacklisted=True))
        .filter(Q(grade_d=True) | Q(blacklisted_reason=True) | Q(major_hazard=True))
        .order_by("region_id", "name", "pk")
    )


def reasons(home) -> list[str]:
    out = []
    if home.grade_d:
        out.append(str(REASONS["grade_d"]))
    if home.blacklisted_reason:
        out.append(str(REASONS["blacklisted"]))
    if home.major_hazard:
        out.append(str(REASONS["major_hazard"]))
    return out
