"""Reads of checklist templates: who sees which version, and the joint list (一表通查) of a template.

Visibility differs from the one scoping rule on purpose: a checklist is a rule book, not a record
about someone. Regulators and inspectors read the national versions and the published versions of
their own region and the regions above it (a county uses its city's or province's list), and every
version of the regions below them; drafts are work in progress of regulators, so inspectors never
see them, nor anyone a draft of a region above. Institutions and insurers see none (404).
"""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q

from accounts.choices import Role
from accounts.scoping import NOTHING, region_q
from inspections.choices import TemplateStatus
from inspections.models import ChecklistItem, ChecklistTemplate

CHECKLIST_READERS = frozenset({Role.ADMIN, Role.REGULATOR, Role.INSPECTOR})


def region_and_above(code: str) -> list[str]:
    """The division itself, its city and its province: 440106 → 440106, 440100, 440000."""
    return list(dict.fromkeys([code, code[:4] + "00", code[:2] + "0000"]))


def visible_q(user) -> Q:
    if user is None or not user.is_authenticated or not user.is_active or user.role not in CHECKLIST_READERS:
        return NOTHING
    if user.role == Role.ADMIN:
        return Q()
    if not user.region_id:
        return NOTHING
    not_draft = ~Q(status=TemplateStatus.DRAFT)
    shared = (Q(region__isnull=True) | Q(region_id__in=region_and_above(user.region_id))) & not_draft
    below = region_q("region", user.region_id)
    if user.role == Role.INSPECTOR:
        below &= not_draft
    return shared | below


def templates_for(user):
    """Templates with their region, source version and item counts (lists and the API)."""
    return (
        ChecklistTemplate.objects.filter(visible_q(user))
        .select_related("region", "based_on", "created_by")
        .annotate(
            item_count=Count("items", distinct=True),
            major_count=Count("items", filter=Q(items__is_major_hazard=True), distinct=True),
        )
    )


def ordered_items():
    return ChecklistItem.objects.order_by("order", "id")


def template_detail_for(user, pk: int) -> ChecklistTemplate | None:
    """One template with its items in order, in a fixed number of queries."""
    return templates_for(user).prefetch_related(Prefetch("items", queryset=ordered_items())).filter(pk=pk).first()


@dataclass
class SectionGroup:
    section: str
    items: list = field(default_factory=list)

    @property
    def major_count(self) -> int:
        return sum(1 for item in self.items if item.is_major_hazard)


def combined_items(template: ChecklistTemplate, departments=None) -> list[SectionGroup]:
    """The joint checklist (一表通查): the template's items owned by `departments` (None: every
    department) in one ordered list, grouped by section in the order sections first appear.

    Uses the template's prefetched items when present (template_detail_for), so a page showing
    several department selections costs no further queries."""
    wanted = None if departments is None else set(departments)
    items = sorted(template.items.all(), key=lambda item: (item.order, item.pk))
    groups: dict[str, SectionGroup] = {}
    for item in items:
        if wanted is not None and item.department not in wanted:
            continue
        groups.setdefault(item.section, SectionGroup(item.section)).items.append(item)
    return list(groups.values())


def sections_of(template: ChecklistTemplate) -> list[str]:
    """The template's section names in order: suggestions for the draft editor."""
    return [group.section for group in combined_items(template)]


def current_template(region_code: str | None, root_code: str = "joint-safety") -> ChecklistTemplate | None:
    """The published list that applies in a region: its own local version if it has one, else its
    city's, else its province's, else the national one. For planning an inspection there."""
    candidates = ChecklistTemplate.objects.filter(status=TemplateStatus.PUBLISHED)
    if region_code:
        chain = region_and_above(region_code)
        local = {
            template.region_id: template
            for template in candidates.filter(region_id__in=chain, code__in=[f"{root_code}-{code}" for code in chain])
        }
        for code in chain:
            if code in local:
                return local[code]
    return candidates.filter(region__isnull=True, code=root_code).order_by("-version").first()
