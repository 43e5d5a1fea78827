"""The home page's insurance cards. A template tag, because the home view belongs to institutions,
which must not import insurance (shared/design.md: the doors open one way)."""

from django import template
from django.db.models import Count, Q

from accounts.choices import Role
from institutions.selectors import institutions_for
from insurance import selectors
from insurance.choices import PolicyStatus

register = template.Library()


@register.inclusion_tag("insurance/_home_cards.html", takes_context=True)
def insurance_cards(context):
    user = context["user"]
    cards = {"user": user}
    if user.role == Role.INSTITUTION and user.institution_id:
        cards["institution"] = user.institution
    elif user.role == Role.INSURER:
        cards["policies"] = selectors.policies_for(user).aggregate(
            drafts=Count("id", filter=Q(status=PolicyStatus.DRAFT)),
            unverified=Count("id", filter=Q(status=PolicyStatus.ACTIVE, verified_at__isnull=True)),
        )
    elif user.role in (Role.REGULATOR, Role.ADMIN):
        # The `insured` flag is "a policy in force today", as on the coverage page.
        counts = institutions_for(user).filter(is_active=True).aggregate(
            institutions=Count("id"), insured=Count("id", filter=Q(insured=True))
        )
        counts["uninsured"] = counts["institutions"] - counts["insured"]
        counts["rate"] = round(counts["insured"] * 100 / counts["institutions"], 1) if counts["institutions"] else None
        cards["coverage"] = counts
    return cards
