"""A home's facts (policies, claims, inspections, findings) carry its region, so the regulators'
figures group by region on the fact's own index instead of joining every fact to its home.

This module is how that copy stays true without institutions/ importing the rooms that own the
facts (design.md): they read the region from here when a fact is created, and receive
`institution_moved` when a home changes region.
"""

from django.dispatch import Signal

from institutions.models import Institution

# Sent inside the transaction that changes a home's region (services.update_institution, the only
# writer of an existing home's region — the import goes through it too), so the facts move with
# the home or not at all. Arguments: institution_id, from_region, to_region (region codes).
institution_moved = Signal()


def region_of_home(fact) -> str:
    """The region a new fact of a home carries: the home's, from the institution already loaded
    on the fact if the caller passed one, else a read of that one column."""
    if fact._meta.get_field("institution").is_cached(fact):
        return fact.institution.region_id
    return Institution.objects.values_list("region_id", flat=True).get(pk=fact.institution_id)
