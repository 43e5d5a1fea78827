"""Reads: every list and detail, API or HTML, starts here, already scoped and optimised."""

import re

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, Sum

from accounts.scoping import scoped
from institutions.models import Institution, Practitioner, Region, SpecialEquipment


def regions_for(user):
    """GB/T 2260 divisions are reference data: every signed-in user reads all of them."""
    return Region.objects.all()


USCC_SHAPE = re.compile(r"[0-9A-Z]{18}")


def search_institutions(homes, text: str, *, address: bool = True):
    """Homes whose name (or address) contains the text, or whose USCC is it. Codes are stored in
    capitals, so the code is matched through the unique index; a whole code matches nothing else."""
    text = (text or "").strip()
    if not text:
        return homes
    code = text.upper()
    if USCC_SHAPE.fullmatch(code):
        return homes.filter(uscc=code)
    found = Q(name__icontains=text) | Q(uscc=code)
    return homes.filter(found | Q(address__icontains=text) if address else found)


def institutions_for(user):
    return scoped(user, Institution.objects.select_related("region"))


def institution_detail_for(user, pk: int) -> Institution | None:
    return (
        institutions_for(user)
        .prefetch_related("equipment")
        .filter(pk=pk)
        .first()
    )


def practitioners_for(user):
    return scoped(user, Practitioner.objects.select_related("person", "institution"))


def equipment_for(user):
    return scoped(user, SpecialEquipment.objects.all())


def institution_history(institution: Institution):
    """Change-log rows of the institution and of everything filed under it (staff, equipment)."""
    own = ContentType.objects.get_for_model(Institution)
    return (
        LogEntry.objects.filter(
            Q(content_type=own, object_id=institution.pk) | Q(additional_data__institution_id=institution.pk)
        )
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-id")
    )


def registry_summary(user) -> dict:
    """Counts for the home dashboard, in one query."""
    return institutions_for(user).filter(is_active=True).aggregate(
        institutions=Count("id"),
        beds=Sum("beds_total"),
        beds_in_use=Sum("beds_in_use"),
        residents=Sum("residents"),
        nursing_beds=Sum("beds_nursing"),
        unfiled=Count("id", filter=Q(filing_status="not_filed")),
        rated=Count("id", filter=Q(level__isnull=False)),
        blacklisted=Count("id", filter=Q(is_blacklisted=True)),
    )
