"""Premium rating: base rate × insured beds × rate factor (粤民发〔2016〕54号 费率浮动机制).

The rate factor is the product of four factors — grade rate (等级费率: the home's level and credit
grade) and experience rate (经验费率: its inspection record and loss ratio) — clamped to the
scheme's bounds. Pure functions of their inputs; no database.

Factor tables, as stored on RatingScheme:
- level_factors: {"1": "1.10", …, "5": "0.90", "none": "1.05"}  keyed by level 1–5, or "none"
- grade_factors: {"A": "0.90", "B": "1.00", "C": "1.10", "D": "1.20", "none": "1.00"}
- inspection_factors: {"brackets": [{"max": 0, "factor": "0.95"}, …, {"max": null, "factor": …}],
  "none": "1.00"} keyed by major hazards found in the last 12 months
- loss_ratio_factors: {"brackets": [{"max": "0.30", "factor": "0.90"}, …], "none": "1.00"} keyed by
  paid claims ÷ premium over the last three policy years
"none" is the factor when the input is unknown (an unrated home, no score yet, no history).
"""

from dataclasses import asdict, dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
FACTOR_PLACES = Decimal("0.0001")

DEFAULT_LEVEL_FACTORS = {"none": "1.05", "1": "1.10", "2": "1.05", "3": "1.00", "4": "0.95", "5": "0.90"}
DEFAULT_GRADE_FACTORS = {"none": "1.00", "A": "0.90", "B": "1.00", "C": "1.10", "D": "1.20"}
DEFAULT_INSPECTION_FACTORS = {
    "none": "1.00",
    "brackets": [{"max": 0, "factor": "0.95"}, {"max": 2, "factor": "1.05"}, {"max": None, "factor": "1.15"}],
}
DEFAULT_LOSS_RATIO_FACTORS = {
    "none": "1.00",
    "brackets": [
        {"max": "0.30", "factor": "0.90"},
        {"max": "0.60", "factor": "1.00"},
        {"max": "1.00", "factor": "1.10"},
        {"max": None, "factor": "1.25"},
    ],
}


@dataclass(frozen=True)
class RatingInputs:
    level: int | None = None
    credit_grade: str = ""
    major_hazards_last_year: int | None = None
    loss_ratio: Decimal | None = None


# The four factors in the order they are applied, with their labels (one home for both).
FACTOR_LABELS = {
    "level": _("Level"),
    "credit_grade": _("Credit grade"),
    "inspection": _("Inspection record (major hazards, 12 months)"),
    "loss_ratio": _("Loss ratio (3 years)"),
}


def factor_label(factor: dict, position: int):
    """The label of a stored factor, in the reader's language (by code; by position for a
    breakdown stored before factors carried codes)."""
    code = factor.get("code") or list(FACTOR_LABELS)[position]
    return FACTOR_LABELS.get(code, factor.get("name", code))


@dataclass(frozen=True)
class Factor:
    code: str
    name: str
    input: str
    value: Decimal


@dataclass(frozen=True)
class Quote:
    base_rate_per_bed: Decimal
    insured_beds: int
    factors: tuple[Factor, ...]
    product: Decimal
    min_factor: Decimal
    max_factor: Decimal
    rate_factor: Decimal
    premium: Decimal

    def as_json(self) -> dict:
        data = asdict(self)
        data["factors"] = [{k: str(v) for k, v in factor.items()} for factor in data["factors"]]
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in data.items()}


class FactorTableError(ValueError):
    pass


def _decimal(value, where: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise FactorTableError(f"{where}: {value!r} is not a number") from exc
    if not result.is_finite() or result <= 0:
        raise FactorTableError(f"{where}: a factor must be a positive number")
    return result


def validate_keyed(table: dict, keys: list[str], name: str) -> None:
    missing = [key for key in keys + ["none"] if key not in table]
    if missing:
        raise FactorTableError(f"{name}: missing {', '.join(missing)}")
    for key in keys + ["none"]:
        _decimal(table[key], f"{name}[{key}]")


def validate_brackets(table: dict, name: str) -> None:
    brackets = table.get("brackets")
    if not isinstance(brackets, list) or not brackets:
        raise FactorTableError(f"{name}: brackets must be a non-empty list")
    _decimal(table.get("none"), f"{name}[none]")
    previous = None
    for i, bracket in enumerate(brackets):
        _decimal(bracket.get("factor"), f"{name}.brackets[{i}].factor")
        upper = bracket.get("max")
        if upper is None:
            if i != len(brackets) - 1:
                raise FactorTableError(f"{name}: only the last bracket may be open-ended")
            continue
        upper = Decimal(str(upper))
        if previous is not None and upper <= previous:
            raise FactorTableError(f"{name}: bracket bounds must increase")
        previous = upper
    if brackets[-1].get("max") is not None:
        raise FactorTableError(f"{name}: the last bracket must be open-ended (max null)")


def validate_tables(*, level_factors, grade_factors, inspection_factors, loss_ratio_factors) -> None:
    validate_keyed(level_factors, ["1", "2", "3", "4", "5"], "level_factors")
    validate_keyed(grade_factors, ["A", "B", "C", "D"], "grade_factors")
    validate_brackets(inspection_factors, "inspection_factors")
    validate_brackets(loss_ratio_factors, "loss_ratio_factors")


def _bracket(table: dict, value) -> Decimal:
    for bracket in table["brackets"]:
        if bracket["max"] is None or Decimal(str(value)) <= Decimal(str(bracket["max"])):
            return Decimal(str(bracket["factor"]))
    raise FactorTableError("no bracket matched")  # validate_brackets makes this unreachable


def factors_for(scheme, inputs: RatingInputs) -> tuple[Factor, ...]:
    level = str(inputs.level) if inputs.level else "none"
    grade = inputs.credit_grade or "none"
    hazards = inputs.major_hazards_last_year
    loss = inputs.loss_ratio
    return (
        Factor("level", str(FACTOR_LABELS["level"]), level, Decimal(str(scheme.level_factors[level]))),
        Factor("credit_grade", str(FACTOR_LABELS["credit_grade"]), grade, Decimal(str(scheme.grade_factors[grade]))),
        Factor(
            "inspection",
            str(FACTOR_LABELS["inspection"]),
            "none" if hazards is None else str(hazards),
            Decimal(str(scheme.inspection_factors["none"])) if hazards is None else _bracket(scheme.inspection_factors, hazards),
        ),
        Factor(
            "loss_ratio",
            str(FACTOR_LABELS["loss_ratio"]),
            "none" if loss is None else f"{loss:.4f}",
            Decimal(str(scheme.loss_ratio_factors["none"])) if loss is None else _bracket(scheme.loss_ratio_factors, loss),
        ),
    )


def quote(*, scheme, inputs: RatingInputs, insured_beds: int) -> Quote:
    factors = factors_for(scheme, inputs)
    product = Decimal(1)
    for factor in factors:
        product *= factor.value
    rate_factor = min(max(product, scheme.min_factor), scheme.max_factor).quantize(FACTOR_PLACES, ROUND_HALF_UP)
    premium = (scheme.base_rate_per_bed * insured_beds * rate_factor).quantize(CENT, ROUND_HALF_UP)
    return Quote(
        base_rate_per_bed=scheme.base_rate_per_bed,
        insured_beds=insured_beds,
        factors=factors,
        product=product.quantize(FACTOR_PLACES, ROUND_HALF_UP),
        min_factor=scheme.min_factor,
        max_factor=scheme.max_factor,
        rate_factor=rate_factor,
        premium=premium,
    )


def split_premium(premium: Decimal, weights: dict[str, Decimal]) -> dict[str, Decimal]:
    """Split a premium in proportion to `weights` (percentages, or previous amounts) into cent
    amounts that add up to it exactly.

    Largest remainder: every share is rounded down to the cent, then the cents left over go one
    each to the shares that lost most in rounding. No amount is ever negative.
    """
    total = sum(weights.values(), Decimal(0))
    if total <= 0 or any(w < 0 for w in weights.values()):
        raise ValueError("weights must be non-negative and not all zero")
    exact = {payer: premium * w / total for payer, w in weights.items()}
    amounts = {payer: value.quantize(CENT, ROUND_DOWN) for payer, value in exact.items()}
    left = int((premium - sum(amounts.values(), Decimal(0))) / CENT)
    for payer in sorted(exact, key=lambda p: exact[p] - amounts[p], reverse=True)[:left]:
        amounts[payer] += CENT
    return amounts
