"""Reads of the public disclosure (no login): institutions, their inspection outcomes and penalties,
and the published blacklist. One FilterSet shared by the public search page and the public API.

No personal data of residents or staff ever leaves here: no ID numbers, no phones, no inspector or
practitioner names — except the legal representative of a listed home, which the published list
(民发〔2019〕103号) requires. Only finished records are disclosed: completed inspections, listed cases,
active institutions."""

import django_filters
from django.db.models import Count, IntegerField, Max, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credit.choices import CaseStatus, SubjectType
from credit.models import BlacklistCase
from inspections.choices import InspectionStatus
from inspections.models import Finding, Inspection, Penalty
from institutions.choices import CreditGrade, InstitutionType, PractitionerRole
from institutions.filters import RegionCodeFilter
from institutions.models import Institution, Practitioner
from institutions.selectors import search_institutions

DONE = (InspectionStatus.COMPLETED, InspectionStatus.CLOSED)
PUBLISHED = (CaseStatus.LISTED, CaseStatus.REMOVAL_REQUESTED)
OPEN_FINDING = ("open", "submitted", "overdue", "escalated")


def _count(queryset):
    """A correlated COUNT per institution, 0 when none: one subquery, not a join per row."""
    counted = queryset.order_by().values("institution").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _done_findings():
    return Finding.objects.filter(institution=OuterRef("pk"), inspection__status__in=DONE)


def public_institutions():
    """Active institutions with the summary of their inspection outcomes, one query for any page."""
    done = Inspection.objects.filter(institution=OuterRef("pk"), status__in=DONE)
    last = done.order_by().values("institution").annotate(last=Max("completed_at")).values("last")[:1]
    return (
        Institution.objects.filter(is_active=True)
        .select_related("region")
        .only(*INSTITUTION_FIELDS, "region__code", "region__full_name", "region__name")
        .annotate(
            inspections_completed=_count(done),
            last_inspected_at=Subquery(last),
            findings_total=_count(_done_findings()),
            findings_open=_count(_done_findings().filter(status__in=OPEN_FINDING)),
            major_hazards_open=_count(_done_findings().filter(status__in=OPEN_FINDING, is_major_hazard=True)),
            penalties_count=_count(Penalty.objects.filter(institution=OuterRef("pk"))),
        )
        .order_by("name", "pk")
    )


INSTITUTION_FIELDS = (
    "id", "uscc", "name", "region", "type", "nature", "address", "beds_total", "level", "credit_grade",
    "is_blacklisted", "insured", "insured_until", "is_active", "updated_at",
)


def public_institution(pk) -> Institution | None:
    """One institution's public profile: completed inspections with their findings, and penalties."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    findings = Finding.objects.select_related("item").only(
        "id", "inspection_id", "grade", "is_major_hazard", "deadline", "closed_at", "status", "item__text",
    ).order_by("grade", "id")
    inspections = (
        Inspection.objects.filter(status__in=DONE)
        .only("id", "institution_id", "type", "completed_at", "scheduled_for", "status")
        .prefetch_related(Prefetch("findings", queryset=findings))
        .order_by("-completed_at", "-id")
    )
    penalties = Penalty.objects.only(
        "id", "institution_id", "kind", "decided_on", "document_number", "amount"
    ).order_by("-decided_on", "-id")
    home = (
        public_institutions()
        .prefetch_related(Prefetch("inspections", queryset=inspections, to_attr="public_inspections"),
                          Prefetch("penalties", queryset=penalties, to_attr="public_penalties"))
        .filter(pk=pk)
        .first()
    )
    if home is None:
        return None
    for inspection in home.public_inspections:
        grades = {}
        for finding in inspection.findings.all():
            grades[finding.grade] = grades.get(finding.grade, 0) + 1
        inspection.grade_counts = sorted(grades.items())
    home.listing = published_blacklist().filter(institution_id=pk).first()
    return home


def _legal_representative():
    return Subquery(
        Practitioner.objects.filter(
            institution=OuterRef("institution"), role=PractitionerRole.LEGAL_REPRESENTATIVE, ended_on__isnull=True
        ).order_by("-started_on", "-id").values("person__name")[:1]
    )


def published_blacklist():
    """The published list: homes whose case is listed (or awaiting early removal), newest first."""
    return (
        BlacklistCase.objects.filter(status__in=PUBLISHED, subject_type=SubjectType.INSTITUTION)
        .select_related("institution__region")
        .only(
            "id", "institution_id", "criterion", "status", "listed_at", "expected_exit_date", "updated_at",
            "subject_type", "institution__name", "institution__uscc", "institution__region__code",
            "institution__region__name", "institution__region__full_name",
        )
        .annotate(legal_representative=_legal_representative())
        .order_by("-listed_at", "-id")
    )


class PublicInstitutionFilter(django_filters.FilterSet):
    """The public search: name, USCC or address; region (and below); type; credit grade."""

    q = django_filters.CharFilter(method="search", label=_("Name, USCC or address"))
    region = RegionCodeFilter(field_name="region", label=_("Region"))
    type = django_filters.ChoiceFilter(choices=InstitutionType.choices, label=_("Type"))
    credit_grade = django_filters.ChoiceFilter(choices=CreditGrade.choices, label=_("Credit grade"))

    class Meta:
        model = Institution
        fields = ["q", "region", "type", "credit_grade"]

    def search(self, qs, name, value):
        return search_institutions(qs, value)


class PublicBlacklistFilter(django_filters.FilterSet):
    region = RegionCodeFilter(field_name="institution__region", label=_("Region"))

    class Meta:
        model = BlacklistCase
        fields = ["region"]


# --- open data ------------------------------------------------------------------------------------
# Stable, documented column sets: add columns at the end, never rename or remove one.

INSTITUTION_COLUMNS = (
    "id", "uscc", "name", "region_code", "region_name", "type", "type_label", "nature", "nature_label", "address",
    "beds_total", "level", "credit_grade", "is_blacklisted", "insured", "insured_until", "inspections_completed",
    "last_inspected_on", "findings_total", "findings_open", "major_hazards_open", "penalties_count",
)
BLACKLIST_COLUMNS = (
    "name", "uscc", "region_code", "region_name", "legal_representative", "criterion", "criterion_label",
    "listed_at", "expected_exit_date",
)


def _date(value):
    return value.isoformat() if value else None


def institution_row(home) -> dict:
    last = home.last_inspected_at
    return {
        "id": home.pk, "uscc": home.uscc, "name": home.name, "region_code": home.region_id,
        "region_name": home.region.full_name or home.region.name, "type": home.type,
        "type_label": str(home.get_type_display()), "nature": home.nature,
        "nature_label": str(home.get_nature_display()), "address": home.address, "beds_total": home.beds_total,
        "level": home.level, "credit_grade": home.credit_grade or None, "is_blacklisted": home.is_blacklisted,
        "insured": home.insured, "insured_until": _date(home.insured_until),
        "inspections_completed": home.inspections_completed,
        "last_inspected_on": _date(timezone.localdate(last)) if last else None,
        "findings_total": home.findings_total, "findings_open": home.findings_open,
        "major_hazards_open": home.major_hazards_open, "penalties_count": home.penalties_count,
    }


def blacklist_row(case) -> dict:
    home = case.institution
    return {
        "name": home.name, "uscc": home.uscc, "region_code": home.region_id,
        "region_name": home.region.full_name or home.region.name,
        "legal_representative": case.legal_representative or "", "criterion": case.criterion,
        "criterion_label": str(case.get_criterion_display()), "listed_at": _date(case.listed_at),
        "expected_exit_date": _date(case.expected_exit_date),
    }
