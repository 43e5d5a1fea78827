from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.jobs import daily_job
from accounts.models import User
from accounts.services import notify
from institutions.signals import repair_regions
from insurance.models import Claim, Policy
from insurance.services import expire_policies, refresh_insured

REMINDER_DAYS = 30


@daily_job("insurance_regions", order=13)
def regions(today: date) -> str:
    return f"{repair_regions(Policy, Claim)} policies and claims were given their home's region"


@daily_job("expire_policies", order=10)
def expire(today: date) -> str:
    return f"{expire_policies(today=today)} policies expired"


@daily_job("refresh_insured", order=11)
def insured(today: date) -> str:
    return f"{refresh_insured(today=today)} institutions changed insured status"


@daily_job("policy_expiry_reminders", order=12)
def remind(today: date) -> str:
    """Tell each institution once, 30 days before its policy ends, so cover does not lapse."""
    due = Policy.objects.filter(
        status="active", end_date__gt=today, end_date__lte=today + timedelta(days=REMINDER_DAYS),
        expiry_reminded_at__isnull=True,
    ).select_related("institution")
    sent = 0
    for policy in due:
        users = User.objects.filter(institution_id=policy.institution_id, is_active=True)
        notify(
            users=users,
            key=f"policy-expiry-{policy.pk}",
            title=_("Liability policy %(number)s ends on %(date)s") % {"number": policy.number, "date": policy.end_date},
            body=_("Renew it before %(date)s so residents stay covered.") % {"date": policy.end_date},
            url=reverse("policy-detail", args=[policy.pk]),
        )
        Policy.objects.filter(pk=policy.pk).update(expiry_reminded_at=timezone.now())
        sent += 1
    return f"{sent} expiry reminders sent"

