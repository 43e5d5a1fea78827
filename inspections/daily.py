from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.jobs import daily_job
from accounts.models import User
from accounts.services import notify
from accounts.workdays import add_working_days
from inspections.choices import FindingStatus
from inspections.models import Finding, Inspection
from inspections.services import mark_overdue, refresh_finding_counts, refresh_hazard_counts
from institutions.signals import repair_regions

REMINDER_WORKING_DAYS = 3


@daily_job("findings_overdue", order=20)
def overdue(today: date) -> str:
    return f"{mark_overdue(today=today)} findings became overdue"


@daily_job("major_hazard_counts", order=22)
def hazards(today: date) -> str:
    return f"{refresh_hazard_counts(today=today)} institutions changed their 12-month major-hazard count"


@daily_job("finding_counts", order=23)
def finding_counts(today: date) -> str:
    """The services keep the counts; this repairs any a direct write (an import, a fix in the shell) left wrong."""
    return f"{refresh_finding_counts()} inspections had their finding counts corrected"


@daily_job("inspection_regions", order=24)
def regions(today: date) -> str:
    return f"{repair_regions(Inspection, Finding)} inspections and findings were given their home's region"


@daily_job("rectification_reminders", order=21)
def remind(today: date) -> str:
    """Tell each home once, 3 working days before a deadline, that a finding is still open."""
    due = Finding.objects.filter(
        status=FindingStatus.OPEN, deadline__gte=today, deadline__lte=add_working_days(today, REMINDER_WORKING_DAYS)
    ).select_related("institution")
    users = {}
    for user in User.objects.filter(institution__in={f.institution_id for f in due}, is_active=True):
        users.setdefault(user.institution_id, []).append(user)
    sent = 0
    for finding in due:
        sent += notify(
            users=users.get(finding.institution_id, []), key=f"rectification-due-{finding.pk}",
            title=_("Rectification due on %(date)s") % {"date": finding.deadline.isoformat()},
            body=finding.description[:200], url=reverse("finding-detail", args=[finding.pk]),
        )
    return f"{sent} rectification reminders"
