"""Public complaints: submission without login (abuse controls without a captcha) and the
regulator's triage. Substantiated complaints count in credit (credit/scoring.py reads them).

The sender's address is never stored: only SHA-256 of it keyed with SECRET_KEY (`source_hash`), to
cap how many complaints one address may send a day."""

import hashlib
import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.scoping import NOTHING, scope_q
from config.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from credit.choices import ComplaintCategory, ComplaintStatus
from credit.models import Complaint
from institutions.models import Institution

TEXT_MIN, TEXT_MAX = 20, 2000
MOBILE = re.compile(r"^1[3-9]\d{9}$")
DUPLICATE_WINDOW = timedelta(hours=24)
DECISIONS = (ComplaintStatus.SUBSTANTIATED, ComplaintStatus.UNSUBSTANTIATED, ComplaintStatus.REJECTED)
READERS = {Role.ADMIN, Role.REGULATOR, Role.INSTITUTION}
SEES_CONTACT = {Role.ADMIN, Role.REGULATOR}


def daily_cap() -> int:
    return getattr(settings, "COMPLAINTS_PER_ADDRESS_PER_DAY", 5)


def source_hash(address: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}|{address or ''}".encode()).hexdigest()


def complaint_number(pk: int, year: int) -> str:
    return f"TS{year}-{pk:06d}"


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def submit_complaint(*, institution_id: int, category: str, text: str, contact_name: str = "",
                     contact_phone: str = "", source_address: str) -> Complaint:
    """Record a complaint from the public. Refuses (400) an inactive home, a text outside 20–2,000
    characters, a phone that is not a mainland mobile number, an address past its daily cap, and the
    same text about the same home within 24 hours."""
    text = _normalised(text)
    contact_name = (contact_name or "").strip()
    contact_phone = re.sub(r"[\s-]", "", contact_phone or "")
    errors = {}
    if category not in ComplaintCategory.values:
        errors["category"] = [_("Choose a category.")]
    if not TEXT_MIN <= len(text) <= TEXT_MAX:
        errors["text"] = [_("Describe the problem in %(min)d to %(max)d characters.") % {"min": TEXT_MIN, "max": TEXT_MAX}]
    if contact_phone and not MOBILE.match(contact_phone):
        errors["contact_phone"] = [_("Enter an 11-digit mobile number, e.g. 13800138000.")]
    if len(contact_name) > 50:
        errors["contact_name"] = [_("A name of at most 50 characters.")]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    digest = source_hash(source_address)
    now = timezone.now()
    with transaction.atomic():
        institution = Institution.objects.filter(pk=institution_id, is_active=True).first()
        if institution is None:
            raise ValidationFailed(_("Choose an institution from the search results."),
                                   fields={"institution": [_("Choose an institution from the search results.")]})
        recent = Complaint.objects.filter(submitted_at__gte=now - timedelta(days=1))
        if recent.filter(source_hash=digest).count() >= daily_cap():
            raise ValidationFailed(_("Too many complaints were sent from your network today. Please try again "
                                     "tomorrow or call the civil-affairs hotline."), code="daily_cap")
        if recent.filter(institution=institution, text=text, submitted_at__gte=now - DUPLICATE_WINDOW).exists():
            raise ValidationFailed(_("This complaint about this institution was already received."), code="duplicate")
        complaint = Complaint.objects.create(
            institution=institution, category=category, text=text, contact_name=contact_name,
            contact_phone=contact_phone, source_hash=digest,
        )
        complaint.number = complaint_number(complaint.pk, timezone.localdate().year)
        complaint.save(update_fields=["number"])
        transaction.on_commit(lambda: _notify_regulators(complaint))
    return complaint


def _notify_regulators(complaint: Complaint) -> None:
    from django.urls import reverse

    from accounts.models import User
    from accounts.services import notify

    code = complaint.institution.region_id
    ancestors = {code[:2] + "0000", code[:4] + "00", code}  # the county, its city and its province
    regulators = User.objects.filter(role=Role.REGULATOR, is_active=True, region_id__in=ancestors)
    notify(users=regulators, key=f"complaint:{complaint.pk}",
           title=_("New complaint %(number)s about %(name)s") % {"number": complaint.number,
                                                                 "name": complaint.institution.name},
           url=reverse("complaint-detail", args=[complaint.pk]))


def complaints_for(user):
    """Complaints a user may read: regulators in their region, an institution its own, admin all."""
    if not user.is_authenticated or user.role not in READERS:
        return Complaint.objects.filter(NOTHING)
    return Complaint.objects.filter(scope_q(user, Complaint)).select_related("institution__region", "triaged_by")


def sees_contact(user) -> bool:
    return user.is_authenticated and user.role in SEES_CONTACT


def triage(*, actor, complaint_id: int, status: str, resolution: str) -> Complaint:
    """A regulator of the home's region (or an admin) decides: substantiated, unsubstantiated or
    rejected, with the finding written down. Decided once; out of scope → 404, wrong role → 403."""
    with transaction.atomic():
        complaint = complaints_for(actor).select_for_update(of=("self",)).filter(pk=complaint_id).first()
        if complaint is None:
            raise NotFound()
        if actor.role not in SEES_CONTACT:
            raise NotAllowed(_("Only the regulator of the institution's region may triage a complaint."))
        if complaint.status != ComplaintStatus.RECEIVED:
            raise Conflict(_("This complaint was already triaged."))
        resolution = (resolution or "").strip()
        errors = {}
        if status not in DECISIONS:
            errors["status"] = [_("Choose substantiated, unsubstantiated or rejected.")]
        if not resolution:
            errors["resolution"] = [_("Write down what was found.")]
        if errors:
            raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
        complaint.status = status
        complaint.resolution = resolution
        complaint.triaged_by = actor
        complaint.triaged_at = timezone.now()
        complaint.save(update_fields=["status", "resolution", "triaged_by", "triaged_at", "updated_at"])
    return complaint
