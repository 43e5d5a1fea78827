"""A home's facts (policies, claims, inspections, findings) carry its region, so the regulators'
figures group by region on the fact's own index instead of joining every fact to its home.

This module is how that copy stays true without institutions/ importing the rooms that own the
facts (design.md): they read the region from here when a fact is created, and receive
`institution_moved` when a home changes region.
"""

from django.db.models import OuterRef, Subquery
from django.dispatch import Signal

from institutions.models import Institution

# Sent inside the transaction that changes a home's region (services.update_institution, the only
# writer of an existing home's region — the import goes through it too), so the facts move with
# the home or not at all. Arguments: institution_id, from_region, to_region (region codes).
institution_moved = Signal()


def fill_region(fact) -> None:
    """Give a new fact its home's region (its model's save() calls this): from the institution already
    loaded on the fact if the caller passed one, else a read of that one column."""
    if not fact._state.adding or fact.region_id is not None or fact.institution_id is None:
        return
    if fact._meta.get_field("institution").is_cached(fact):
        fact.region_id = fact.institution.region_id
    else:
        fact.region_id = Institution.objects.values_list("region_id", flat=True).get(pk=fact.institution_id)


def follow_home(*models):
    """A receiver of `institution_moved` carrying these models' rows to the home's new region: one
    UPDATE each, no other column touched, so versions and `updated_since` polling see no change."""

    def carry(sender, *, institution_id, to_region, **kwargs):
        for model in models:
            model.objects.filter(institution_id=institution_id).update(region_id=to_region)

    return carry


def repair_regions(*models) -> int:
    """Nightly (the rooms' daily jobs): facts whose region is not their home's get it back — one made
    while its home was moving, a direct write. One UPDATE per model; the number of rows mended."""
    home_region = Subquery(Institution.objects.filter(pk=OuterRef("institution_id")).values("region_id")[:1])
    return sum(model.objects.exclude(region_id=home_region).update(region_id=home_region) for model in models)
