"""Limit arithmetic of claim approvals: pure functions, no database (tested with hypothesis).

The rule (shared/api.md, `approve`): an approval may not exceed
- on each line, what was claimed on it;
- for each person, the section's per-person limit net of the deductible;
- for the claim (one live claim per incident and section, so per accident), the per-accident
  limit net of the deductible;
- the section's aggregate limit for the policy year, less what the policy's other claims of that
  section and year have committed (approved and not yet paid, or paid).

Example: general liability 200,000 per person, 1,000,000 per accident, 3,000,000 aggregate,
deductible 500; other claims already committed 2,900,000. A claim for two residents may approve
at most 199,500 for each and 100,000 in all (the aggregate left), whichever binds first.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0")

# Statuses whose approved amount is committed although not paid yet.
RESERVING_STATUSES = frozenset({"approved", "disputed"})


@dataclass(frozen=True)
class Limits:
    per_person: Decimal
    per_accident: Decimal
    aggregate: Decimal
    deductible: Decimal = ZERO

    @classmethod
    def of(cls, section) -> "Limits":
        """From a CoverageSection (or anything with the four SectionLimits fields)."""
        return cls(section.per_person_limit, section.per_accident_limit, section.aggregate_limit, section.deductible)

    @property
    def per_person_cap(self) -> Decimal:
        return max(self.per_person - self.deductible, ZERO)

    @property
    def per_accident_cap(self) -> Decimal:
        return max(self.per_accident - self.deductible, ZERO)


@dataclass(frozen=True)
class LineAmounts:
    claimed: Decimal
    approved: Decimal
    person: object = None  # a key for the person; None for a cost item not tied to a person
    label: str = ""  # the person's name, for messages


@dataclass(frozen=True)
class Breach:
    code: str  # over_claimed | over_per_person | over_per_accident | over_aggregate
    asked: Decimal  # what the approval asks for under this cap
    remaining: Decimal  # the most this cap still allows
    label: str = ""


def committed_amount(status: str, approved: Decimal | None, paid: Decimal | None) -> Decimal:
    """What one claim takes from the aggregate: what was paid, plus the unpaid approval while
    the claim is approved or disputed. The one home of this rule."""
    paid = paid or ZERO
    if status in RESERVING_STATUSES and approved is not None:
        return max(approved, paid)
    return paid


def aggregate_remaining(limits: Limits, committed: Decimal) -> Decimal:
    return max(limits.aggregate - committed, ZERO)


def remaining(limits: Limits, committed: Decimal) -> Decimal:
    """The most one claim may still approve in all: per accident net of the deductible, and the
    aggregate left for the policy year."""
    return min(limits.per_accident_cap, aggregate_remaining(limits, committed))


def approval_breaches(limits: Limits, *, committed: Decimal, lines: Iterable[LineAmounts]) -> list[Breach]:
    """Every cap the approval would exceed; empty when it fits. `committed` is what the policy's
    other claims of the same section and policy year take from the aggregate."""
    lines = list(lines)
    breaches: list[Breach] = []
    for line in lines:
        if line.approved > line.claimed:
            breaches.append(Breach("over_claimed", line.approved, line.claimed, line.label))
    by_person: dict[object, Decimal] = defaultdict(lambda: ZERO)
    labels: dict[object, str] = {}
    for line in lines:
        if line.person is not None:
            by_person[line.person] += line.approved
            labels[line.person] = line.label
    for person, amount in by_person.items():
        if amount > limits.per_person_cap:
            breaches.append(Breach("over_per_person", amount, limits.per_person_cap, labels[person]))
    total = sum((line.approved for line in lines), ZERO)
    if total > limits.per_accident_cap:
        breaches.append(Breach("over_per_accident", total, limits.per_accident_cap))
    left = aggregate_remaining(limits, committed)
    if total > left:
        breaches.append(Breach("over_aggregate", total, left))
    return breaches
