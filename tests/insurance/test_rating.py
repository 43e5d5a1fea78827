from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from insurance import rating
from insurance.rating import RatingInputs, quote, split_premium


def scheme(**overrides):
    values = dict(
        base_rate_per_bed=Decimal("120.00"), min_factor=Decimal("0.70"), max_factor=Decimal("1.30"),
        level_factors=rating.DEFAULT_LEVEL_FACTORS, grade_factors=rating.DEFAULT_GRADE_FACTORS,
        inspection_factors=rating.DEFAULT_INSPECTION_FACTORS, loss_ratio_factors=rating.DEFAULT_LOSS_RATIO_FACTORS,
    )
    return SimpleNamespace(**(values | overrides))


def test_a_well_run_home_pays_less():
    q = quote(scheme=scheme(), inputs=RatingInputs(level=5, credit_grade="A"), insured_beds=100)
    assert [f.value for f in q.factors] == [Decimal("0.90"), Decimal("0.90"), Decimal("1.00"), Decimal("1.00")]
    assert q.rate_factor == Decimal("0.8100")
    assert q.premium == Decimal("9720.00")  # 120 × 100 × 0.81


def test_the_factor_is_clamped_to_the_bounds():
    worst = RatingInputs(level=1, credit_grade="D", major_hazards_last_year=5, loss_ratio=Decimal("1.5"))
    q = quote(scheme=scheme(), inputs=worst, insured_beds=10)
    assert q.product == Decimal("1.8975")  # 1.10 × 1.20 × 1.15 × 1.25
    assert q.rate_factor == Decimal("1.3000") and q.premium == Decimal("1560.00")


def test_unknown_inputs_take_the_none_factor():
    q = quote(scheme=scheme(), inputs=RatingInputs(), insured_beds=1)
    assert [f.input for f in q.factors] == ["none", "none", "none", "none"]
    assert q.rate_factor == Decimal("1.0500")  # an unrated home: level "none" = 1.05


@pytest.mark.parametrize("hazards, factor", [(0, "0.95"), (1, "1.05"), (2, "1.05"), (3, "1.15")])
def test_inspection_brackets(hazards, factor):
    q = quote(scheme=scheme(), inputs=RatingInputs(level=3, credit_grade="B", major_hazards_last_year=hazards),
              insured_beds=1)
    assert q.factors[2].value == Decimal(factor)


@given(
    level=st.sampled_from([None, 1, 2, 3, 4, 5]),
    grade=st.sampled_from(["", "A", "B", "C", "D"]),
    hazards=st.one_of(st.none(), st.integers(0, 50)),
    loss=st.one_of(st.none(), st.decimals(0, 5, places=4)),
    beds=st.integers(1, 2000),
    base=st.decimals("0.01", "500", places=2),
    low=st.decimals("0.50", "1.00", places=2),
    high=st.decimals("1.00", "2.00", places=2),
)
def test_bounds_are_always_respected(level, grade, hazards, loss, beds, base, low, high):
    s = scheme(base_rate_per_bed=base, min_factor=low, max_factor=high)
    q = quote(scheme=s, inputs=RatingInputs(level, grade, hazards, loss), insured_beds=beds)
    assert low <= q.rate_factor <= high
    assert abs(q.premium - base * beds * q.rate_factor) <= Decimal("0.005")
    assert q.premium >= 0


@given(
    premium=st.decimals("0", "10000000", places=2),
    shares=st.lists(st.integers(0, 100), min_size=1, max_size=4).filter(lambda xs: sum(xs) <= 100),
)
def test_funding_split_always_sums_to_the_premium(premium, shares):
    payers = ["county", "city", "province", "other"][: len(shares)]
    percents = {payer: Decimal(share) for payer, share in zip(payers, shares, strict=True)}
    percents["institution"] = Decimal(100 - sum(shares))
    if not any(percents.values()):
        return
    amounts = split_premium(premium, {p: w for p, w in percents.items()})
    assert sum(amounts.values()) == premium
    assert all(amount >= 0 for amount in amounts.values())
    assert all(abs(amounts[p] - premium * percents[p] / 100) < Decimal("0.01") for p in percents)


def test_split_by_previous_amounts_keeps_proportions():
    assert split_premium(Decimal("6300.00"), {"city": Decimal("10080.00"), "institution": Decimal("2520.00")}) == {
        "city": Decimal("5040.00"), "institution": Decimal("1260.00")}


def test_split_of_a_single_cent():
    assert split_premium(Decimal("0.01"), {"county": Decimal(50), "city": Decimal(50)}) == {
        "county": Decimal("0.01"), "city": Decimal("0.00")}


@pytest.mark.parametrize(
    "tables, message",
    [
        ({"level_factors": {"1": "1"}}, "missing"),
        ({"grade_factors": {**rating.DEFAULT_GRADE_FACTORS, "A": "-1"}}, "positive"),
        ({"inspection_factors": {"none": "1", "brackets": [{"max": 2, "factor": "1"}, {"max": 1, "factor": "1"},
                                                            {"max": None, "factor": "1"}]}}, "increase"),
        ({"loss_ratio_factors": {"none": "1", "brackets": [{"max": "1", "factor": "1"}]}}, "open-ended"),
    ],
)
def test_factor_tables_are_validated(tables, message):
    all_tables = {
        "level_factors": rating.DEFAULT_LEVEL_FACTORS, "grade_factors": rating.DEFAULT_GRADE_FACTORS,
        "inspection_factors": rating.DEFAULT_INSPECTION_FACTORS, "loss_ratio_factors": rating.DEFAULT_LOSS_RATIO_FACTORS,
    } | tables
    with pytest.raises(rating.FactorTableError, match=message):
        rating.validate_tables(**all_tables)
