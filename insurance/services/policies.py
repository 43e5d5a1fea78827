"""Every write of the insurance room: rating schemes, policies, their documents and transitions.

Who may do what (shared/domain.md §3, issue "Liability insurance"):
- province and city regulators keep the rating schemes of their region;
- an institution creates draft policies for itself, uploads the policy PDF and declares that
  residents are not charged for the premium;
- an insurer creates and activates the policies it underwrites (finding a new client by USCC);
- regulators (in their region) and the policy's insurer verify the uploaded document;
- nobody deletes a policy: drafts are cancelled, active ones cancelled or expired.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.scoping import region_in_scope, scoped
from config.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from config.services import check_version
from config.states import SYSTEM, find_transition, transition
from config.uploads import read_pdf
from institutions.choices import RegionLevel
from institutions.models import Institution
from insurance import rating
from insurance.choices import PolicyStatus, Section
from insurance.models import (
    CoInsurance,
    CoverageSection,
    FundingShare,
    Insurer,
    Policy,
    PolicyDocument,
    PolicyEvent,
    RatingScheme,
    SchemeSection,
    in_force_q,
)

PDF_MAX_BYTES = getattr(settings, "POLICY_PDF_MAX_BYTES", 10 * 1024 * 1024)
SECTION_FIELDS = ("per_person_limit", "per_accident_limit", "aggregate_limit", "deductible")

STATUS_LABELS = dict(PolicyStatus.choices)
TRANSITIONS = [
    transition("activate", [PolicyStatus.DRAFT], PolicyStatus.ACTIVE, [Role.INSURER, Role.ADMIN]),
    transition("cancel", [PolicyStatus.DRAFT], PolicyStatus.CANCELLED, [Role.INSTITUTION, Role.INSURER, Role.ADMIN]),
    transition("cancel", [PolicyStatus.ACTIVE], PolicyStatus.CANCELLED, [Role.INSURER, Role.ADMIN]),
    transition("expire", [PolicyStatus.ACTIVE], PolicyStatus.EXPIRED, [SYSTEM]),
]


# ---------------------------------------------------------------------------------------------
# Rating schemes


@transaction.atomic
def create_scheme(
    *,
    actor,
    region,
    year: int,
    name: str,
    base_rate_per_bed: Decimal,
    sections: list[dict],
    min_factor: Decimal = Decimal("0.70"),
    max_factor: Decimal = Decimal("1.30"),
    level_factors: dict | None = None,
    grade_factors: dict | None = None,
    inspection_factors: dict | None = None,
    loss_ratio_factors: dict | None = None,
    fast_track_limit: Decimal = Decimal("5000.00"),
) -> RatingScheme:
    """A new version of the scheme for (region, year); earlier versions stay as they were."""
    if actor.role not in (Role.ADMIN, Role.REGULATOR):
        raise NotAllowed(_("Only regulators keep rating schemes."))
    if actor.role == Role.REGULATOR and actor.region.level == RegionLevel.COUNTY:
        raise NotAllowed(_("Rating schemes are kept by province or city regulators."))
    if region.level == RegionLevel.COUNTY:
        raise ValidationFailed(_("A scheme covers a province or a city."), fields={"region": [_("Choose a province or city.")]})
    if not region_in_scope(actor, region.code):
        raise ValidationFailed(_("The region is outside your jurisdiction."), fields={"region": [_("Outside your jurisdiction.")]})
    tables = {
        "level_factors": level_factors or rating.DEFAULT_LEVEL_FACTORS,
        "grade_factors": grade_factors or rating.DEFAULT_GRADE_FACTORS,
        "inspection_factors": inspection_factors or rating.DEFAULT_INSPECTION_FACTORS,
        "loss_ratio_factors": loss_ratio_factors or rating.DEFAULT_LOSS_RATIO_FACTORS,
    }
    try:
        rating.validate_tables(**tables)
    except rating.FactorTableError as exc:
        raise ValidationFailed(str(exc), code="invalid_factor_table") from exc
    _check_sections(sections, require_general=True)
    # Lock the region row so two regulators publishing at once get versions n and n+1.
    type(region).objects.select_for_update().filter(pk=region.pk).first()
    latest = RatingScheme.objects.filter(region=region, year=year).aggregate(v=Max("version"))["v"] or 0
    scheme = RatingScheme(
        region=region, year=year, version=latest + 1, name=name, base_rate_per_bed=base_rate_per_bed,
        min_factor=min_factor, max_factor=max_factor, fast_track_limit=fast_track_limit, created_by=actor, **tables,
    )
    scheme.full_clean()
    scheme.save()
    for row in sections:
        line = SchemeSection(scheme=scheme, **row)
        line.full_clean()
        line.save()
    return scheme


def scheme_for(institution: Institution, on: date) -> RatingScheme | None:
    """The newest version of the scheme that applies: the city's for that year, else the province's."""
    code = institution.region_id
    candidates = [code[:4] + "00", code[:2] + "0000"]
    for region_code in candidates:
        scheme = (
            RatingScheme.objects.filter(region_id=region_code, year=on.year).order_by("-version").first()
        )
        if scheme is not None:
            return scheme
    return None


LOSS_RATIO_YEARS = 3


def loss_ratio(institution: Institution, *, today: date | None = None) -> Decimal | None:
    """Paid claims ÷ premium of the home's policies (active or expired) that started in the last
    three years, to four places; None without premium in that window (no history). Two
    aggregate queries, whatever the number of policies and claims."""
    from insurance.models import Claim

    today = today or timezone.localdate()
    try:
        since = today.replace(year=today.year - LOSS_RATIO_YEARS)
    except ValueError:  # 29 February
        since = today.replace(year=today.year - LOSS_RATIO_YEARS, day=28)
    policies = Policy.objects.filter(
        institution=institution, status__in=(PolicyStatus.ACTIVE, PolicyStatus.EXPIRED),
        start_date__gt=since, start_date__lte=today,
    )
    premium = policies.aggregate(total=Sum("premium"))["total"]
    if not premium:
        return None
    paid = Claim.objects.filter(policy__in=policies.values("pk")).aggregate(total=Sum("paid_amount"))["total"]
    return ((paid or Decimal("0")) / premium).quantize(rating.FACTOR_PLACES, ROUND_HALF_UP)


def rating_inputs(institution: Institution) -> rating.RatingInputs:
    """What is known about the home for rating: level, credit grade, major hazards found on site in
    the last 12 months (kept on the institution by inspections) and its loss ratio over the last
    three policy years."""
    return rating.RatingInputs(
        level=institution.level, credit_grade=institution.credit_grade,
        major_hazards_last_year=institution.major_hazards_12m, loss_ratio=loss_ratio(institution),
    )


# ---------------------------------------------------------------------------------------------
# Policies


def _check_sections(sections: list[dict], *, require_general: bool) -> None:
    seen = [row.get("section") for row in sections]
    if len(seen) != len(set(seen)):
        raise ValidationFailed(_("Each section may appear once."), fields={"sections": [_("Duplicate section.")]})
    unknown = [s for s in seen if s not in Section.values]
    if unknown:
        raise ValidationFailed(_("Unknown section."), fields={"sections": [_("Unknown section: %s") % ", ".join(map(str, unknown))]})
    if require_general and Section.GENERAL not in seen:
        raise ValidationFailed(
            _("A policy covers at least general liability."), fields={"sections": [_("General liability is required.")]}
        )


def _policy_term_ok(start: date, end: date) -> bool:
    """One or two policy years: 2026-01-01 to 2026-12-31, or to 2027-12-31."""
    for years in (1, 2):
        try:
            if end == start.replace(year=start.year + years) - timedelta(days=1):
                return True
        except ValueError:  # 29 February
            if end == date(start.year + years, 2, 28):
                return True
    return False


def institution_for_policy(actor, *, institution_id=None, institution_uscc=None) -> Institution:
    """Institutions bind their own policies; insurers find a new client by its USCC (a public
    identifier), since they cannot see homes they do not insure yet."""
    if actor.role == Role.INSURER and institution_uscc:
        found = Institution.objects.filter(uscc=institution_uscc, is_active=True).first()
    elif institution_id is not None:
        found = scoped(actor, Institution.objects.filter(is_active=True)).filter(pk=institution_id).first()
    else:
        found = None
    if found is None:
        raise ValidationFailed(
            _("No such institution in your scope."), fields={"institution": [_("No such institution in your scope.")]}
        )
    return found


@dataclass(frozen=True)
class PolicyTerms:
    start_date: date
    end_date: date
    insured_beds: int
    sections: list[dict] | None = None  # default: the scheme's sections
    co_insurers: list[dict] = ()  # [{"insurer": Insurer, "share": Decimal}]
    funding: list[dict] | None = None  # [{"payer": str, "amount": Decimal}]; default: all the institution
    number: str = ""
    broker: object = None
    accident_rider: bool = False
    rider_sum_insured: Decimal = Decimal("0")
    rider_premium: Decimal = Decimal("0")


def quote_for(*, institution: Institution, start_date: date, insured_beds: int) -> tuple[RatingScheme, rating.Quote]:
    scheme = scheme_for(institution, start_date)
    if scheme is None:
        raise ValidationFailed(
            _("No rating scheme covers this institution's region for %(year)s.") % {"year": start_date.year},
            code="no_rating_scheme",
        )
    if insured_beds < 1 or insured_beds > institution.beds_total:
        raise ValidationFailed(
            _("Insured beds must be between 1 and the institution's %(beds)s beds.") % {"beds": institution.beds_total},
            fields={"insured_beds": [_("Between 1 and the institution's beds.")]},
        )
    return scheme, rating.quote(scheme=scheme, inputs=rating_inputs(institution), insured_beds=insured_beds)


def quote_policy(*, actor, institution_id=None, institution_uscc=None, start_date: date, insured_beds: int):
    institution = institution_for_policy(actor, institution_id=institution_id, institution_uscc=institution_uscc)
    return quote_for(institution=institution, start_date=start_date, insured_beds=insured_beds)


def _lead_insurer(actor, insurer: Insurer | None) -> Insurer:
    if actor.role == Role.INSURER:
        if insurer is not None and insurer.pk != actor.insurer_id:
            raise NotAllowed(_("An insurer creates policies it underwrites itself."))
        return actor.insurer
    if insurer is None:
        raise ValidationFailed(_("Choose the insurer."), fields={"insurer": [_("This field is required.")]})
    return insurer


def _write_terms(policy: Policy, terms: PolicyTerms, scheme: RatingScheme, quote: rating.Quote) -> None:
    policy.scheme = scheme
    policy.start_date, policy.end_date = terms.start_date, terms.end_date
    policy.insured_beds = terms.insured_beds
    policy.number = terms.number.strip()
    policy.broker = terms.broker
    policy.accident_rider = terms.accident_rider
    policy.rider_sum_insured = terms.rider_sum_insured if terms.accident_rider else Decimal("0")
    policy.rider_premium = terms.rider_premium if terms.accident_rider else Decimal("0")
    policy.base_rate_per_bed = quote.base_rate_per_bed
    policy.rate_factor = quote.rate_factor
    policy.premium = quote.premium
    policy.rating = quote.as_json() | {"scheme": {"id": scheme.pk, "name": scheme.name, "version": scheme.version}}
    policy.lead_share = Decimal("100") - sum((Decimal(c["share"]) for c in terms.co_insurers), Decimal("0"))
    policy.full_clean(exclude=["version"])
    policy.save()

    policy.sections.all().delete()
    rows = terms.sections or [
        {"section": s.section, **{f: getattr(s, f) for f in SECTION_FIELDS}} for s in scheme.sections.all()
    ]
    _check_sections(rows, require_general=True)
    for row in rows:
        line = CoverageSection(policy=policy, **row)
        line.full_clean()
        line.save()

    policy.co_insurers.all().delete()
    for row in terms.co_insurers:
        if row["insurer"].pk == policy.insurer_id:
            raise ValidationFailed(_("The lead insurer cannot also be a co-insurer."), fields={"co_insurers": [_("Duplicate insurer.")]})
        CoInsurance.objects.create(policy=policy, insurer=row["insurer"], share=row["share"])

    previous = {line.payer: line.amount for line in policy.funding.all()}
    policy.funding.all().delete()
    funding = terms.funding if terms.funding is not None else _default_funding(policy_total(policy), previous)
    _check_funding(policy, funding)
    for row in funding:
        FundingShare.objects.create(policy=policy, payer=row["payer"], amount=row["amount"])


def _default_funding(total: Decimal, previous: dict[str, Decimal]) -> list[dict]:
    """Funding when none is given: the same payers in the same proportions as before (a re-rated
    draft keeps its subsidy split), or the institution alone for a new policy."""
    if not previous or not any(previous.values()):
        return [{"payer": "institution", "amount": total}]
    return [{"payer": p, "amount": a} for p, a in rating.split_premium(total, previous).items()]


def policy_total(policy: Policy) -> Decimal:
    """What the funding lines must add up to: the rated premium plus any rider premium."""
    return policy.premium + policy.rider_premium


def _check_funding(policy: Policy, funding: list[dict]) -> None:
    payers = [row["payer"] for row in funding]
    if len(payers) != len(set(payers)):
        raise ValidationFailed(_("One funding line per payer."), fields={"funding": [_("Duplicate payer.")]})
    if any(Decimal(row["amount"]) < 0 for row in funding):
        raise ValidationFailed(_("Funding amounts cannot be negative."), fields={"funding": [_("Negative amount.")]})
    total = sum((Decimal(row["amount"]) for row in funding), Decimal("0"))
    if total != policy_total(policy):
        raise ValidationFailed(
            _("The funding lines add up to %(total)s but the premium is %(premium)s.")
            % {"total": f"{total:.2f}", "premium": f"{policy_total(policy):.2f}"},
            fields={"funding": [_("Must add up exactly to the premium.")]},
            code="funding_mismatch",
        )


@transaction.atomic
def create_policy(
    *, actor, terms: PolicyTerms, institution_id=None, institution_uscc=None, insurer: Insurer | None = None
) -> Policy:
    """A draft policy, rated now with the scheme in force for its start date."""
    if actor.role not in (Role.INSTITUTION, Role.INSURER, Role.ADMIN):
        raise NotAllowed(_("Institutions and insurers create policies."))
    institution = institution_for_policy(actor, institution_id=institution_id, institution_uscc=institution_uscc)
    if not _policy_term_ok(terms.start_date, terms.end_date):
        raise ValidationFailed(
            _("A policy runs one or two years, e.g. 2026-01-01 to 2026-12-31."),
            fields={"end_date": [_("One or two policy years from the start date.")]},
        )
    lead = _lead_insurer(actor, insurer)
    scheme, quote = quote_for(institution=institution, start_date=terms.start_date, insured_beds=terms.insured_beds)
    policy = Policy(institution=institution, insurer=lead, created_by=actor)
    _write_terms(policy, terms, scheme, quote)
    PolicyEvent.objects.create(policy=policy, action="create", to_status=policy.status, actor=actor)
    return policy


def _locked_policy(actor, policy_id) -> Policy:
    policy = scoped(actor, Policy.objects.select_for_update(of=("self",))).filter(pk=policy_id).first()
    if policy is None:
        raise NotFound()
    return policy


# Who may do what to a policy they can see: one predicate per rule, used by the services below
# and by `allowed_actions`, which tells the pages which buttons to offer.


def _is_institution_of(actor, policy: Policy) -> bool:
    return actor.role == Role.INSTITUTION and actor.institution_id == policy.institution_id


def _is_insurer_of(actor, policy: Policy) -> bool:
    return actor.role == Role.INSURER and actor.insurer_id == policy.insurer_id


def _may_edit_draft(actor, policy: Policy) -> bool:
    return policy.status == PolicyStatus.DRAFT and (
        actor.role == Role.ADMIN or _is_institution_of(actor, policy) or _is_insurer_of(actor, policy)
    )


def _may_declare(actor, policy: Policy) -> bool:
    """The institution itself; an administrator may record a declaration made on paper."""
    return actor.role == Role.ADMIN or _is_institution_of(actor, policy)


def _may_upload(actor, policy: Policy) -> bool:
    return policy.status != PolicyStatus.CANCELLED and (
        actor.role == Role.ADMIN or _is_institution_of(actor, policy) or _is_insurer_of(actor, policy)
    )


def _may_verify(actor, policy: Policy) -> bool:
    return actor.role in (Role.ADMIN, Role.REGULATOR) or _is_insurer_of(actor, policy)


def _may_transition(actor, policy: Policy, action: str) -> bool:
    try:
        find_transition(TRANSITIONS, action=action, state=policy.status, role=actor.role)
    except (Conflict, NotAllowed):
        return False
    return actor.role != Role.INSURER or _is_insurer_of(actor, policy)


def allowed_actions(actor, policy: Policy) -> set[str]:
    """What `actor` may do to `policy` now (one it can see), so pages offer only working buttons."""
    allowed = {action for action in ("activate", "cancel") if _may_transition(actor, policy, action)}
    if _may_edit_draft(actor, policy):
        allowed.add("edit")
    if _may_declare(actor, policy) and policy.not_charged_declared_at is None and policy.status in (
        PolicyStatus.DRAFT, PolicyStatus.ACTIVE
    ):
        allowed.add("declare")
    if _may_upload(actor, policy):
        allowed.add("upload")
    if _may_verify(actor, policy) and policy.verified_at is None:
        allowed.add("verify")
    return allowed


@transaction.atomic
def update_draft(*, actor, policy_id: int, terms: PolicyTerms, expected_version: int | None = None) -> Policy:
    policy = _locked_policy(actor, policy_id)
    check_version(policy, expected_version)
    if policy.status != PolicyStatus.DRAFT:
        raise Conflict(_("Only a draft can be changed; this policy is %(status)s.") % {"status": policy.get_status_display()})
    if not _may_edit_draft(actor, policy):
        raise NotAllowed(_("Your role may not change this policy."))
    if not _policy_term_ok(terms.start_date, terms.end_date):
        raise ValidationFailed(
            _("A policy runs one or two years, e.g. 2026-01-01 to 2026-12-31."),
            fields={"end_date": [_("One or two policy years from the start date.")]},
        )
    scheme, quote = quote_for(institution=policy.institution, start_date=terms.start_date, insured_beds=terms.insured_beds)
    policy.version += 1
    _write_terms(policy, terms, scheme, quote)
    return policy


@transaction.atomic
def declare_residents_not_charged(*, actor, policy_id: int) -> Policy:
    """The institution's declaration that residents are not charged for this premium
    (不得向入住老年人另行收取保费), recorded with who and when (an administrator may record one
    the institution made on paper)."""
    policy = _locked_policy(actor, policy_id)
    if not _may_declare(actor, policy):
        raise NotAllowed(_("Only the institution itself makes this declaration."))
    if policy.not_charged_declared_at is None:
        policy.not_charged_declared_at = timezone.now()
        policy.not_charged_declared_by = actor
        policy.version += 1
        policy.save()
    return policy


def overlapping_policies(policy: Policy):
    """Active policies of the same institution sharing a section and at least one day."""
    sections = policy.sections.values("section")
    return Policy.objects.filter(
        institution_id=policy.institution_id,
        status=PolicyStatus.ACTIVE,
        start_date__lte=policy.end_date,
        end_date__gte=policy.start_date,
        sections__section__in=sections,
    ).exclude(pk=policy.pk).distinct()


def _record(policy: Policy, action: str, from_status: str, actor, note: str = "") -> None:
    PolicyEvent.objects.create(
        policy=policy, action=action, from_status=from_status, to_status=policy.status,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None, note=note,
    )


@transaction.atomic
def activate_policy(*, actor, policy_id: int, number: str = "", expected_version: int | None = None, note: str = "") -> Policy:
    """The insurer binds the policy. Refused while another active policy of the same
    institution covers a common section on a common day."""
    policy = _locked_policy(actor, policy_id)
    check_version(policy, expected_version)
    move = find_transition(TRANSITIONS, action="activate", state=policy.status, role=actor.role, labels=STATUS_LABELS)
    if actor.role == Role.INSURER and not _is_insurer_of(actor, policy):
        raise NotAllowed(_("Only the lead insurer binds its policy."))
    # Serialise activations per institution: the overlap check and the write cannot interleave.
    Institution.objects.select_for_update().filter(pk=policy.institution_id).first()
    if number.strip():
        policy.number = number.strip()
    problems = {}
    if not policy.number:
        problems["number"] = [_("The insurer's policy number is required to bind the policy.")]
    if policy.not_charged_declared_at is None:
        problems["not_charged_declared_at"] = [_("The institution has not declared that residents are not charged.")]
    total = sum((line.amount for line in policy.funding.all()), Decimal("0"))
    if total != policy_total(policy):
        problems["funding"] = [_("The funding lines must add up exactly to the premium.")]
    clash = overlapping_policies(policy).first()
    if clash is not None:
        problems["start_date"] = [
            _("Policy %(number)s already covers this institution for a common section from %(start)s to %(end)s.")
            % {"number": clash.number, "start": clash.start_date, "end": clash.end_date}
        ]
    if problems:
        raise ValidationFailed(next(iter(problems.values()))[0], fields=problems, code="cannot_activate")
    previous = policy.status
    policy.status = move.target
    policy.version += 1
    policy.full_clean(exclude=["version"])
    policy.save()
    _record(policy, "activate", previous, actor, note)
    refresh_insured(institution_ids=[policy.institution_id])
    return policy


@transaction.atomic
def cancel_policy(*, actor, policy_id: int, reason: str, expected_version: int | None = None) -> Policy:
    policy = _locked_policy(actor, policy_id)
    check_version(policy, expected_version)
    move = find_transition(TRANSITIONS, action="cancel", state=policy.status, role=actor.role, labels=STATUS_LABELS)
    if not reason.strip():
        raise ValidationFailed(_("Give the reason."), fields={"reason": [_("This field is required.")]})
    if actor.role == Role.INSURER and not _is_insurer_of(actor, policy):
        raise NotAllowed(_("Only the lead insurer cancels its policy."))
    previous = policy.status
    policy.status = move.target
    policy.version += 1
    policy.save()
    _record(policy, "cancel", previous, actor, reason.strip())
    refresh_insured(institution_ids=[policy.institution_id])
    return policy


def expire_policies(*, today: date) -> int:
    """Active policies whose last day is before `today` become expired. Idempotent."""
    move = find_transition(TRANSITIONS, action="expire", state=PolicyStatus.ACTIVE, role=SYSTEM)
    expired = 0
    for policy_id in Policy.objects.filter(status=PolicyStatus.ACTIVE, end_date__lt=today).values_list("pk", flat=True):
        with transaction.atomic():
            policy = Policy.objects.select_for_update().filter(pk=policy_id, status=PolicyStatus.ACTIVE).first()
            if policy is None:
                continue
            policy.status = move.target
            policy.version += 1
            policy.save()
            _record(policy, "expire", PolicyStatus.ACTIVE, None, _("Ended on %(date)s.") % {"date": policy.end_date})
            expired += 1
    return expired


def refresh_insured(*, institution_ids=None, today: date | None = None) -> int:
    """Write `insured` and `insured_until` on institutions from their policies in force today.

    One grouped read of the policies in force, one read of the homes, and an UPDATE per new end
    date (in chunks) for only the homes whose cover changed: linear in the number of homes. (A
    correlated subquery per home had SQLite scan every active policy for each of 40,000 homes.)
    Returns how many changed.
    """
    today = today or timezone.localdate()
    homes = Institution.objects.all()
    policies = Policy.objects.filter(in_force_q(today))
    if institution_ids is not None:
        institution_ids = list(institution_ids)
        homes, policies = homes.filter(pk__in=institution_ids), policies.filter(institution_id__in=institution_ids)
    until = dict(policies.order_by().values("institution_id").annotate(until=Max("end_date"))
                 .values_list("institution_id", "until"))
    moves = defaultdict(list)  # new insured_until (None: not insured) -> homes
    for pk, insured, current in homes.order_by().values_list("pk", "insured", "insured_until").iterator(chunk_size=5000):
        new = until.get(pk)
        if (insured, current) != (new is not None, new):
            moves[new].append(pk)
    now = timezone.now()  # updated_at moves too: clients polling `updated_since` must see the change
    changed = 0
    for new, pks in moves.items():
        for start in range(0, len(pks), 900):
            changed += Institution.objects.filter(pk__in=pks[start:start + 900]).update(
                insured=new is not None, insured_until=new, updated_at=now)
    return changed


# ---------------------------------------------------------------------------------------------
# Documents


@transaction.atomic
def upload_document(*, actor, policy_id: int, uploaded) -> PolicyDocument:
    """Attach the policy PDF. A new document must be verified again."""
    policy = _locked_policy(actor, policy_id)
    if not _may_upload(actor, policy):
        raise NotAllowed(_("Only the institution or its insurer uploads the policy document."))
    if policy.status == PolicyStatus.CANCELLED:
        raise Conflict(_("The policy is cancelled."))
    data, pages = read_pdf(uploaded, max_bytes=PDF_MAX_BYTES)
    digest = hashlib.sha256(data).hexdigest()
    document = PolicyDocument(
        policy=policy, original_name=(getattr(uploaded, "name", "") or "policy.pdf")[:200], size=len(data),
        sha256=digest, pages=pages, uploaded_by=actor,
    )
    document.file.save(f"{digest[:16]}.pdf", ContentFile(data), save=False)
    document.save()
    policy.verified_at, policy.verified_by = None, None
    policy.version += 1
    policy.save()
    return document


@transaction.atomic
def verify_policy(*, actor, policy_id: int, expected_version: int | None = None) -> Policy:
    """A regulator of the region or the policy's insurer confirms the document matches the record."""
    policy = _locked_policy(actor, policy_id)
    check_version(policy, expected_version)
    if not _may_verify(actor, policy):
        raise NotAllowed(_("Regulators and the insurer verify policy documents."))
    if not policy.documents.exists():
        raise ValidationFailed(_("There is no document to verify yet."), fields={"documents": [_("Upload the policy PDF first.")]})
    policy.verified_at, policy.verified_by = timezone.now(), actor
    policy.version += 1
    policy.save()
    _record(policy, "verify", policy.status, actor)
    return policy


@transaction.atomic
def create_insurer(*, actor, code: str, name: str, uscc: str, contact_person: str = "", contact_phone: str = "") -> Insurer:
    """Admit an insurer to the scheme (chosen by tender): administrators only."""
    if actor.role != Role.ADMIN:
        raise NotAllowed(_("Only administrators admit insurers."))
    insurer = Insurer(code=code, name=name, uscc=uscc, contact_person=contact_person, contact_phone=contact_phone)
    insurer.full_clean()
    insurer.save()
    return insurer
