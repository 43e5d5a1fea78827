"""Reads of the insurance room, scoped and optimised."""

from django.db.models import Prefetch

from accounts.scoping import scoped
from insurance.models import CoInsurance, FundingShare, Insurer, Policy, RatingScheme


def insurers_for(user):
    """Insurers are public parties of the scheme: every signed-in user may read the list."""
    return Insurer.objects.filter(is_active=True)


def schemes_for(user):
    """The unified base rate is public within the scheme: every signed-in user may read it."""
    return RatingScheme.objects.select_related("region").prefetch_related("sections")


def policies_for(user):
    return scoped(
        user,
        Policy.objects.select_related("institution", "institution__region", "insurer", "broker", "scheme"),
    ).prefetch_related(
        "sections",
        "documents",
        Prefetch("funding", queryset=FundingShare.objects.order_by("payer")),
        Prefetch("co_insurers", queryset=CoInsurance.objects.select_related("insurer")),
    )


def policy_detail_for(user, pk: int) -> Policy | None:
    return policies_for(user).prefetch_related("events__actor").filter(pk=pk).first()
