"""The home page's insurance cards. A template tag, because the home view belongs to institutions,
which must not import insurance (shared/design.md: the doors open one way)."""

from django import template
from django.db.models import Count, Q

from accounts.choices import Role
from institutions.selectors import institutions_for
from insurance import selectors
from insurance.choices import PolicyStatus
from insurance.models import OPEN_STATUSES, Claim, ClaimStatus
from insurance.selectors.claims import visible_claims

register = template.Library()


def claim_counts(user) -> dict:
    """One aggregate over the claims the user sees: open ones (an insurer's queue), the fast-track
    ones among them, and disputes waiting for mediation."""
    is_open = Q(status__in=OPEN_STATUSES)
    return visible_claims(user, Claim.objects.order_by()).aggregate(
        open=Count("id", filter=is_open),
        fast_track=Count("id", filter=is_open & Q(fast_track=True)),
        disputed=Count("id", filter=Q(status=ClaimStatus.DISPUTED)),
        documents_requested=Count("id", filter=Q(status=ClaimStatus.DOCUMENTS_REQUESTED)),
    )


@register.inclusion_tag("insurance/_home_cards.html", takes_context=True)
def insurance_cards(context):
    user = context["user"]
    cards = {"user": user}
    if user.role == Role.INSTITUTION and user.institution_id:
        cards["institution"] = user.institution
        cards["claims"] = claim_counts(user)
    elif user.role == Role.INSURER:
        cards["policies"] = selectors.policies_for(user).aggregate(
            drafts=Count("id", filter=Q(status=PolicyStatus.DRAFT)),
            unverified=Count("id", filter=Q(status=PolicyStatus.ACTIVE, verified_at__isnull=True)),
        )
        cards["claims"] = claim_counts(user)
    elif user.role in (Role.REGULATOR, Role.ADMIN):
        # The `insured` flag is "a policy in force today", as on the coverage page.
        counts = institutions_for(user).filter(is_active=True).aggregate(
            institutions=Count("id"), insured=Count("id", filter=Q(insured=True))
        )
        counts["uninsured"] = counts["institutions"] - counts["insured"]
        counts["rate"] = round(counts["insured"] * 100 / counts["institutions"], 1) if counts["institutions"] else None
        cards["coverage"] = counts
        cards["claims"] = claim_counts(user)
    return cards
