"""The claims experience in rating: the loss ratio of the last three policy years (paid claims ÷
premium) moves the premium of the next policy, by the scheme's loss-ratio table."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from insurance import services
from insurance.models import Claim, Policy, RatingScheme
from tests.claims.conftest import active_policy, advance, new_claim
from tests.factories import InstitutionFactory, make_scheme, make_user, region

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def cw(ins):
    """As the claims tests' `cw` (tests/claims/conftest.py): policies in force today for the 天河
    home (insurer A), a second 天河 home (insurer B) and the 汉滨 home (insurer A)."""
    ins.gz_home2 = InstitutionFactory(region=region("440106"), name="天河福寿养老院")
    ins.gz_institution2 = make_user("institution", institution=ins.gz_home2)
    ins.gz_policy = active_policy(ins.gz_home, ins.gz_institution, ins.insurer)
    ins.gz2_policy = active_policy(ins.gz_home2, ins.gz_institution2, ins.insurer_b_user, beds=50)
    ins.ak_policy = active_policy(ins.ak_home, ins.ak_institution, ins.insurer)
    return ins


def paid_claim(cw, amount, **kwargs):
    claim = new_claim(cw, amount=amount, **kwargs)
    for action in ("register", "approve", "pay"):
        advance(cw, claim, action)
    return claim


def test_no_premium_in_the_window_means_no_history(cw):
    home = cw.gz_home2
    Policy.objects.filter(institution=home).update(status="cancelled")
    assert services.loss_ratio(home) is None
    assert services.rating_inputs(home).loss_ratio is None
    # A draft has no premium paid either.
    services.create_policy(actor=cw.admin, institution_id=home.pk, insurer=cw.insurer_a, terms=services.PolicyTerms(
        start_date=timezone.localdate(), end_date=timezone.localdate() + timedelta(days=364), insured_beds=10))
    assert services.loss_ratio(home) is None


def test_paid_claims_over_premium_of_the_last_three_years(cw):
    # 天河 home: premium 12,600.00 this year (120 × 100 × 1.05), no claims yet → 0.
    assert cw.gz_policy.premium == D("12600.00")
    assert services.loss_ratio(cw.gz_home) == D("0.0000")
    paid_claim(cw, "2500.00")
    new_claim(cw, amount="9000.00")  # reported, nothing paid: not a loss yet
    assert services.loss_ratio(cw.gz_home) == D("0.1984")  # 2,500 ÷ 12,600
    # Another home's claims do not count.
    paid_claim(cw, "4000.00", user=cw.ak_institution, policy=cw.ak_policy)
    assert services.loss_ratio(cw.gz_home) == D("0.1984")
    assert services.rating_inputs(cw.gz_home).loss_ratio == D("0.1984")


def test_the_window_is_three_years_back_from_today(cw):
    today = timezone.localdate()
    # An expired policy two years back, with a big paid claim: in the window.
    start = today.replace(year=today.year - 2) - timedelta(days=30)
    make_scheme("440000", start.year, "120.00")
    older = active_policy(cw.gz_home, cw.gz_institution, cw.insurer, start=start,
                          end=start.replace(year=start.year + 1) - timedelta(days=1), number="OLD-1")
    Policy.objects.filter(pk=older.pk).update(status="expired", premium=D("10000.00"))
    claim = new_claim(cw, amount="3000.00")
    Claim.objects.filter(pk=claim.pk).update(policy=older, paid_amount=D("6000.00"), approved_amount=D("6000.00"),
                                             status="paid")
    assert services.loss_ratio(cw.gz_home) == D("0.2655")  # 6,000 ÷ (12,600 + 10,000)
    # Moved to four years back, it falls out of the window with its claim.
    gone = today.replace(year=today.year - 4)
    Policy.objects.filter(pk=older.pk).update(start_date=gone, end_date=gone + timedelta(days=364))
    assert services.loss_ratio(cw.gz_home) == D("0.0000")
    # Back in the window but cancelled, it never counts, whatever its claims.
    Policy.objects.filter(pk=older.pk).update(start_date=start, end_date=start + timedelta(days=364), status="cancelled")
    assert services.loss_ratio(cw.gz_home) == D("0.0000")


def test_a_policy_starting_after_today_is_not_history(cw):
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert services.loss_ratio(cw.gz_home, today=tomorrow - timedelta(days=400)) is None
    assert services.loss_ratio(cw.gz_home, today=date(2099, 1, 1)) is None


def test_two_aggregate_queries_whatever_the_history(cw):
    paid_claim(cw, "1000.00")
    paid_claim(cw, "1500.00")
    with CaptureQueriesContext(connection) as ctx:
        services.loss_ratio(cw.gz_home)
    assert len(ctx.captured_queries) == 2


def test_the_loss_ratio_moves_the_next_premium(cw):
    """A renewal is rated with the experience: 0.1984 falls in the ≤ 0.30 bracket (× 0.90)."""
    start = cw.gz_policy.end_date + timedelta(days=1)
    if not RatingScheme.objects.filter(region_id="440000", year=start.year).exists():
        make_scheme("440000", start.year, "120.00")
    _scheme, before = services.quote_for(institution=cw.gz_home, start_date=start, insured_beds=100)
    assert [f.input for f in before.factors][3] == "0.0000"
    paid_claim(cw, "2500.00")
    _scheme, quote = services.quote_for(institution=cw.gz_home, start_date=start, insured_beds=100)
    factor = quote.factors[3]
    assert (factor.code, factor.input, factor.value) == ("loss_ratio", "0.1984", D("0.90"))
    # A home whose claims ate more than its premium pays more: 15,000 ÷ 12,600 > 1 → × 1.25.
    paid_claim(cw, "12500.00")
    _scheme, worse = services.quote_for(institution=cw.gz_home, start_date=start, insured_beds=100)
    assert worse.factors[3].value == D("1.25") and worse.premium > quote.premium
    # Without history the scheme's "none" factor applies.
    newcomer = InstitutionFactory(region=region("440106"))
    _scheme, fresh = services.quote_for(institution=newcomer, start_date=start, insured_beds=40)
    assert (fresh.factors[3].input, fresh.factors[3].value) == ("none", D("1.00"))


def test_major_hazards_of_the_last_year_feed_the_inspection_factor(cw):
    """Inspections keep the 12-month count on the institution; the quote reads it (default table:
    none 1.00, 0 → 0.95, up to 2 → 1.05, more → 1.15)."""
    from institutions.models import Institution

    home = cw.gz_home
    factor = lambda: next(f for f in services.quote_for(  # noqa: E731
        institution=Institution.objects.get(pk=home.pk), start_date=timezone.localdate(), insured_beds=100
    )[1].factors if f.code == "inspection")
    assert (factor().input, factor().value) == ("none", D("1.00"))
    for count, expected in ((0, "0.95"), (2, "1.05"), (3, "1.15")):
        Institution.objects.filter(pk=home.pk).update(major_hazards_12m=count)
        assert (factor().input, factor().value) == (str(count), D(expected))
