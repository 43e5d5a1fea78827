"""Scoring rule sets: the national default, a province's own versions, and which one applies.

Published versions are never edited: a province copies one into a draft, edits its weights and
cut-offs, and publishes it, which retires the older published version of the same code and region.
A home is scored by its province's published rule set, else by the national one.
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from config.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from credit.choices import RuleSetStatus
from credit.models import ScoringRuleSet
from credit.scoring import DEFAULT_BASE, DEFAULT_CUTOFFS, DEFAULT_RULES, RULES

DEFAULT_CODE = "national"
GRADES = ("A", "B", "C")


def province_of(region_code: str) -> str:
    return region_code[:2] + "0000"


def published_by_province() -> tuple[ScoringRuleSet | None, dict[str, ScoringRuleSet]]:
    """The national published rule set and each province's (newest version wins), in one query."""
    nationals, provinces = [], {}
    for rule_set in ScoringRuleSet.objects.filter(status=RuleSetStatus.PUBLISHED).order_by("version", "pk"):
        if rule_set.region_id:
            provinces[rule_set.region_id] = rule_set
        else:
            nationals.append(rule_set)
    default = [rule_set for rule_set in nationals if rule_set.code == DEFAULT_CODE]
    national = (default or nationals or [None])[-1]
    return national, provinces


def applicable(region_code: str, national, provinces) -> ScoringRuleSet | None:
    return provinces.get(province_of(region_code)) or national


def install_default(model=ScoringRuleSet) -> None:
    """The national default, published, once (used by the data migration; idempotent)."""
    if model.objects.filter(code=DEFAULT_CODE).exists():
        return
    model.objects.create(
        code=DEFAULT_CODE, version=1, name="全国默认信用评分规则（参照上海模式）", region=None, base_score=DEFAULT_BASE,
        rules=DEFAULT_RULES, grade_cutoffs=DEFAULT_CUTOFFS, status=RuleSetStatus.PUBLISHED,
        published_at=timezone.now(),
    )


def _keeper_province(actor, rule_set: ScoringRuleSet | None = None) -> str | None:
    """The province the actor keeps rule sets for (None: an administrator, who keeps them all)."""
    if actor.role == Role.ADMIN:
        return None
    if actor.role != Role.REGULATOR or not actor.region_id or not actor.region_id.endswith("0000"):
        raise NotAllowed(_("Only a province's regulators or an administrator keep scoring rule sets."))
    if rule_set is not None and rule_set.region_id not in (None, actor.region_id):
        raise NotFound()
    return actor.region_id


def _get(actor, rule_set_id: int, *, lock: bool = False) -> ScoringRuleSet:
    queryset = ScoringRuleSet.objects.select_for_update() if lock else ScoringRuleSet.objects
    rule_set = queryset.filter(pk=rule_set_id).first()
    if rule_set is None:
        raise NotFound()
    _keeper_province(actor, rule_set)
    return rule_set


@transaction.atomic
def copy_to_draft(*, actor, rule_set_id: int, region_code: str | None = None) -> ScoringRuleSet:
    """A draft copy of a rule set for a province (a regulator's own; an administrator names it)."""
    source = _get(actor, rule_set_id)
    province = _keeper_province(actor) or (province_of(region_code) if region_code else None)
    code = f"province-{province}" if province else source.code
    version = (ScoringRuleSet.objects.filter(code=code).aggregate(v=Max("version"))["v"] or 0) + 1
    return ScoringRuleSet.objects.create(
        code=code, version=version, name=source.name, region_id=province, base_score=source.base_score,
        rules=source.rules, grade_cutoffs=source.grade_cutoffs, status=RuleSetStatus.DRAFT, created_by=actor,
    )


def _number(value, field: str, errors: dict) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        number = None
    if number is None or not number.is_finite():
        errors.setdefault(field, []).append(_("Enter a number."))
        return None
    return number


def validate(rules: dict, cutoffs: dict, base) -> dict:
    """Field errors of a rule set's parameters: numbers everywhere, known rules, caps signed like
    their points, cut-offs within 0–100 and descending A > B > C."""
    errors: dict[str, list] = {}
    base_value = _number(base, "base_score", errors)
    if base_value is not None and not 0 <= base_value <= 100:
        errors.setdefault("base_score", []).append(_("The base score is between 0 and 100."))
    if not isinstance(rules, dict) or not rules:
        errors.setdefault("rules", []).append(_("Give at least one rule."))
        rules = {}
    for code, params in rules.items():
        field = f"rules.{code}"
        if code not in RULES:
            errors.setdefault(field, []).append(_("Unknown rule."))
            continue
        if not isinstance(params, dict) or "cap" not in params:
            errors.setdefault(field, []).append(_("Every rule needs a cap."))
            continue
        for name, value in params.items():
            number = _number(value, f"{field}.{name}", errors)
            if number is not None and name.endswith("days") and (number < 1 or number != int(number)):
                errors.setdefault(f"{field}.{name}", []).append(_("Enter a whole number of days, at least 1."))
    values = [_number(cutoffs.get(grade) if isinstance(cutoffs, dict) else None, f"grade_cutoffs.{grade}", errors)
              for grade in GRADES]
    if None not in values:
        if any(not 0 <= v <= 100 for v in values):
            errors.setdefault("grade_cutoffs", []).append(_("Cut-offs are between 0 and 100."))
        if not values[0] > values[1] > values[2]:
            errors.setdefault("grade_cutoffs", []).append(_("Cut-offs must descend: A above B above C."))
    return errors


@transaction.atomic
def edit_draft(*, actor, rule_set_id: int, rules: dict | None = None, grade_cutoffs: dict | None = None,
               base_score=None, name: str | None = None) -> ScoringRuleSet:
    rule_set = _get(actor, rule_set_id, lock=True)
    if rule_set.status != RuleSetStatus.DRAFT:
        raise Conflict(_("Only a draft rule set can be edited."), code="invalid_state")
    rules = rule_set.rules if rules is None else rules
    cutoffs = rule_set.grade_cutoffs if grade_cutoffs is None else grade_cutoffs
    base = rule_set.base_score if base_score is None else base_score
    errors = validate(rules, cutoffs, base)
    if errors:
        raise ValidationFailed(_("The rule set is not valid."), fields=errors)
    rule_set.rules = {code: {k: str(v) if not k.endswith("days") else int(Decimal(str(v))) for k, v in p.items()}
                      for code, p in rules.items()}
    rule_set.grade_cutoffs = {grade: str(cutoffs[grade]) for grade in GRADES}
    rule_set.base_score = Decimal(str(base))
    if name:
        rule_set.name = name
    rule_set.save()
    return rule_set


@transaction.atomic
def publish(*, actor, rule_set_id: int) -> ScoringRuleSet:
    rule_set = _get(actor, rule_set_id, lock=True)
    if rule_set.status != RuleSetStatus.DRAFT:
        raise Conflict(_("Only a draft rule set can be published."), code="invalid_state")
    errors = validate(rule_set.rules, rule_set.grade_cutoffs, rule_set.base_score)
    if errors:
        raise ValidationFailed(_("The rule set is not valid."), fields=errors)
    ScoringRuleSet.objects.filter(code=rule_set.code, region_id=rule_set.region_id,
                                  status=RuleSetStatus.PUBLISHED).update(status=RuleSetStatus.RETIRED)
    rule_set.status, rule_set.published_at = RuleSetStatus.PUBLISHED, timezone.now()
    rule_set.save(update_fields=["status", "published_at", "updated_at"])
    return rule_set
