"""The home page's inspection cards. A template tag, because the home view belongs to institutions,
which must not import inspections (shared/design.md: the doors open one way)."""

from django import template
from django.db.models import Count, Q
from django.utils import timezone

from accounts.choices import Role
from inspections import selectors
from inspections.choices import InspectionStatus
from inspections.selectors import overdue_q

register = template.Library()
SHOWN = 5
TO_DO = (InspectionStatus.PLANNED, InspectionStatus.NOTIFIED, InspectionStatus.IN_PROGRESS)


@register.inclusion_tag("inspections/_home_cards.html", takes_context=True)
def inspection_cards(context):
    user = context["user"]
    today = timezone.localdate()
    cards = {"user": user, "today": today}
    if user.role == Role.INSPECTOR:
        # Today's and the coming inspections the inspector is on, nearest first.
        mine = (
            selectors.visible_inspections(user, user.inspections.select_related("institution"))
            .filter(status__in=TO_DO).order_by("scheduled_for", "pk")
        )
        cards["assigned"] = list(mine[:SHOWN])
        cards["assigned_today"] = sum(1 for i in cards["assigned"] if i.scheduled_for <= today)
        cards["assigned_count"] = mine.count()
    elif user.role == Role.INSTITUTION and user.institution_id:
        open_findings = selectors.findings_for(user).filter(status__in=selectors.OPEN_FINDING_STATUSES)
        cards["findings"] = list(open_findings.order_by("deadline", "pk")[:SHOWN])
        cards["findings_count"] = open_findings.count()
        cards["announced"] = list(
            selectors.visible_inspections(user, user.institution.inspections.all())
            .filter(status=InspectionStatus.NOTIFIED, scheduled_for__gte=today).order_by("scheduled_for")[:SHOWN]
        )
    elif user.role in (Role.REGULATOR, Role.ADMIN):
        cards["counts"] = selectors.findings_for(user).order_by().aggregate(
            open=Count("id", filter=Q(status__in=selectors.OPEN_FINDING_STATUSES)),
            major=Count("id", filter=Q(status__in=selectors.OPEN_FINDING_STATUSES, is_major_hazard=True)),
            overdue=Count("id", filter=overdue_q(today)),
        )
    return cards
