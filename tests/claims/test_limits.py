"""Limits: per person and per accident net of the deductible, and the section's aggregate for the
policy year across the policy's claims. Pure arithmetic (with hypothesis), then the service and
the API (400 whose message states the remaining amount)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.errors import ValidationFailed
from insurance.claims_limits import LineAmounts, Limits, approval_breaches, committed_amount, remaining
from insurance.models import RatingScheme
from insurance.services import claims as claim_services
from tests.claims.conftest import D, active_policy, advance, incident, new_claim, resident
from tests.conftest import client_for
from tests.factories import InstitutionFactory, make_scheme, make_user, region

GENERAL = Limits(per_person=D("200000"), per_accident=D("1000000"), aggregate=D("3000000"), deductible=D("500"))
SMALL_GENERAL = [{"section": "general", "per_person_limit": D("1000"), "per_accident_limit": D("1500"),
                  "aggregate_limit": D("3000"), "deductible": D("100")}]


# ---------------------------------------------------------------------------------------------
# Pure arithmetic


def test_the_docstring_example():
    lines = [LineAmounts(D("150000"), D("150000"), person=1, label="甲"),
             LineAmounts(D("120000"), D("120000"), person=2, label="乙")]
    breaches = approval_breaches(GENERAL, committed=D("2900000"), lines=lines)
    assert [(b.code, b.remaining) for b in breaches] == [("over_aggregate", D("100000"))]
    assert remaining(GENERAL, D("2900000")) == D("100000")
    assert remaining(GENERAL, D("0")) == D("999500")  # per accident net of the deductible
    one = [LineAmounts(D("199600"), D("199600"), person=1, label="甲")]
    assert [(b.code, b.remaining, b.label) for b in approval_breaches(GENERAL, committed=D("0"), lines=one)] == [
        ("over_per_person", D("199500"), "甲")
    ]


def test_lines_of_the_same_person_add_up_and_cost_items_have_no_person_cap():
    two_for_one = [LineAmounts(D("150000"), D("150000"), person=7), LineAmounts(D("60000"), D("60000"), person=7)]
    assert [b.code for b in approval_breaches(GENERAL, committed=D("0"), lines=two_for_one)] == ["over_per_person"]
    legal = [LineAmounts(D("250000"), D("250000"))]
    assert approval_breaches(GENERAL, committed=D("0"), lines=legal) == []
    assert [b.code for b in approval_breaches(GENERAL, committed=D("0"),
                                              lines=[LineAmounts(D("10"), D("11"))])] == ["over_claimed"]


@pytest.mark.parametrize(
    "status, approved, paid, committed",
    [
        ("approved", "1000", None, "1000"),
        ("disputed", "1000", None, "1000"),  # the approval is disputed: still reserved
        ("disputed", None, None, "0"),  # a disputed rejection reserves nothing
        ("paid", "1000", "1000", "1000"),
        ("closed", "1000", "1000", "1000"),
        ("closed", "1000", None, "0"),  # mediation closed it without payment
        ("rejected", None, None, "0"),
        ("withdrawn", None, None, "0"),
        ("reported", None, None, "0"),
        ("registered", "1000", "1000", "1000"),  # reopened: what was paid stays spent
        ("approved", "1600", "1000", "1600"),  # reopened and approved again
    ],
)
def test_what_a_claim_commits(status, approved, paid, committed):
    value = committed_amount(status, D(approved) if approved else None, D(paid) if paid else None)
    assert value == D(committed)


money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500000"), places=2)


@st.composite
def limits(draw):
    deductible = draw(st.decimals(min_value=0, max_value=Decimal("2000"), places=2))
    per_person = deductible + draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("300000"), places=2))
    per_accident = per_person + draw(st.decimals(min_value=0, max_value=Decimal("700000"), places=2))
    aggregate = per_accident + draw(st.decimals(min_value=0, max_value=Decimal("3000000"), places=2))
    return Limits(per_person, per_accident, aggregate, deductible)


@st.composite
def line_lists(draw):
    rows = draw(st.lists(st.tuples(st.sampled_from([None, 1, 2, 3]), money, money), min_size=1, max_size=6))
    return [LineAmounts(claimed=c, approved=min(a, c) if draw(st.booleans()) else a, person=p) for p, c, a in rows]


@given(limits=limits(), lines=line_lists(), committed=st.decimals(min_value=0, max_value=Decimal("4000000"), places=2))
def test_an_approval_passes_exactly_when_every_cap_holds(limits, lines, committed):
    breaches = approval_breaches(limits, committed=committed, lines=lines)
    total = sum(line.approved for line in lines)
    per_person = {}
    for line in lines:
        if line.person is not None:
            per_person[line.person] = per_person.get(line.person, 0) + line.approved
    holds = (
        all(line.approved <= line.claimed for line in lines)
        and all(amount <= limits.per_person - limits.deductible for amount in per_person.values())
        and total <= limits.per_accident - limits.deductible
        and total <= limits.aggregate - committed
    )
    assert (breaches == []) == holds
    for breach in breaches:
        assert breach.remaining < breach.asked
        if breach.code == "over_aggregate":
            assert breach.remaining == max(limits.aggregate - committed, 0)


@given(limits=limits(), asks=st.lists(money, min_size=1, max_size=30))
def test_a_sequence_of_claims_never_spends_more_than_the_aggregate(limits, asks):
    committed = Decimal("0")
    for ask in asks:
        breaches = approval_breaches(limits, committed=committed, lines=[LineAmounts(ask, ask, person=object())])
        if not breaches:
            committed += ask
        else:
            assert ask > min(limits.per_person - limits.deductible, remaining(limits, committed))
    assert committed <= limits.aggregate


# ---------------------------------------------------------------------------------------------
# Through the services and the API


def small_policy(cw, **kwargs):
    home = InstitutionFactory(region=region("440106"))
    user = make_user("institution", institution=home)
    policy = active_policy(home, user, cw.insurer, sections=SMALL_GENERAL, **kwargs)
    return home, user, policy


@pytest.mark.django_db
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(asks=st.lists(st.decimals(min_value=Decimal("1"), max_value=Decimal("1600"), places=2), min_size=1, max_size=5))
def test_approvals_across_claims_of_a_policy_year_stay_within_the_aggregate(cw, asks):
    """A policy with 1,000 per person, 1,500 per accident, 3,000 aggregate, 100 deductible."""
    _home, user, policy = small_policy(cw)
    committed = Decimal("0")
    for ask in asks:
        claim = new_claim(cw, user=user, policy=policy, amount=str(ask))
        advance(cw, claim, "register")
        allowed = min(Decimal("900"), Decimal("1400"), Decimal("3000") - committed)
        if ask <= allowed:
            advance(cw, claim, "approve")
            committed += ask
        else:
            with pytest.raises(ValidationFailed) as refused:
                advance(cw, claim, "approve")
            if Decimal("3000") - committed < ask <= Decimal("900"):
                assert f"{Decimal('3000') - committed:.2f}" in str(refused.value.detail)
            else:
                assert "900.00" in str(refused.value.detail)
    assert claim_services.committed_elsewhere(new_claim(cw, user=user, policy=policy, amount="1")) == committed
    assert committed <= Decimal("3000")


@pytest.mark.django_db
def test_the_aggregate_counts_approved_and_paid_claims_only(cw):
    _home, user, policy = small_policy(cw)
    approved = new_claim(cw, user=user, policy=policy, amount="900.00")
    for action in ("register", "approve"):
        advance(cw, approved, action)
    paid = new_claim(cw, user=user, policy=policy, amount="850.00")
    for action in ("register", "approve", "pay", "close"):
        advance(cw, paid, action)
    paid2 = new_claim(cw, user=user, policy=policy, amount="800.00")
    for action in ("register", "approve", "pay"):
        advance(cw, paid2, action)
    withdrawn = new_claim(cw, user=user, policy=policy, amount="900.00")
    advance(cw, withdrawn, "withdraw")
    rejected = new_claim(cw, user=user, policy=policy, amount="900.00")
    for action in ("register", "reject"):
        advance(cw, rejected, action)
    # 3,000 − (900 + 850 + 800) = 450 left for the policy year.
    claim = new_claim(cw, user=user, policy=policy, amount="500.00")
    advance(cw, claim, "register")
    insurer = client_for(cw.insurer)
    refused = insurer.post(f"/api/v1/claims/{claim.pk}/approve/", {"approved_amount": "500.00"})
    assert refused.status_code == 400 and refused.json()["code"] == "over_aggregate"
    assert "450.00" in refused.json()["detail"] and refused.json()["fields"]["approved_amount"]
    assert insurer.post(f"/api/v1/claims/{claim.pk}/approve/", {"approved_amount": "450.00"}).status_code == 200
    last = new_claim(cw, user=user, policy=policy, amount="10.00")
    advance(cw, last, "register")
    nothing_left = insurer.post(f"/api/v1/claims/{last.pk}/approve/", {"approved_amount": "0.01"})
    assert nothing_left.status_code == 400 and "0.00" in nothing_left.json()["detail"]


@pytest.mark.django_db
def test_each_policy_year_of_a_two_year_policy_has_its_own_aggregate(cw):
    today = timezone.localdate()
    start = today - timedelta(days=400)
    end = start.replace(year=start.year + 2) - timedelta(days=1)
    if not RatingScheme.objects.filter(region_id="440000", year=start.year).exists():
        make_scheme("440000", start.year)
    _home, user, policy = small_policy(cw, start=start, end=end)
    first_year = timezone.now() - timedelta(days=390)
    claims = []
    for _ in range(3):
        claim = new_claim(cw, user=user, policy=policy, amount="900.00", occurred_at=first_year)
        advance(cw, claim, "register")
        advance(cw, claim, "approve")
        claims.append(claim)
    late = new_claim(cw, user=user, policy=policy, amount="900.00", occurred_at=first_year)
    advance(cw, late, "register")
    with pytest.raises(ValidationFailed, match="300.00"):
        advance(cw, late, "approve")
    second_year = new_claim(cw, user=user, policy=policy, amount="900.00", section="general")
    second_year.refresh_from_db()
    assert (claims[0].policy_year, second_year.policy_year) == (1, 2)
    advance(cw, second_year, "register")
    assert advance(cw, second_year, "approve").approved_amount == D("900.00")


@pytest.mark.django_db
def test_per_person_limit_net_of_the_deductible_through_the_api(cw):
    event = incident(cw.gz_institution, persons=[resident("张三", "death"), resident("李四")])
    zhang, li = event.persons.order_by("id")
    claim = claim_services.create_claim(
        actor=cw.gz_institution, policy_id=cw.gz_policy.pk, incident_id=event.pk, section="general",
        claimed_amount=D("260000.00"),
        lines=[claim_services.LineData("death", D("180000.00"), zhang.pk),
               claim_services.LineData("funeral", D("30000.00"), zhang.pk),
               claim_services.LineData("medical", D("50000.00"), li.pk)],
    )
    advance(cw, claim, "register")
    insurer = client_for(cw.insurer)
    in_full = insurer.post(f"/api/v1/claims/{claim.pk}/approve/", {"approved_amount": "260000.00"})
    assert in_full.status_code == 400, in_full.json()
    assert in_full.json()["code"] == "over_per_person"
    assert "张三" in in_full.json()["detail"] and "199500.00" in in_full.json()["detail"]  # 200,000 − 500
    partial = insurer.post(f"/api/v1/claims/{claim.pk}/approve/", {"approved_amount": "240000.00"})
    assert partial.status_code == 400 and partial.json()["code"] == "lines_required"
    lines = {line.item: line.pk for line in claim.lines.all()}
    body = {"approved_amount": "249500.00", "lines": [
        {"id": lines["death"], "approved_amount": "180000.00"},
        {"id": lines["funeral"], "approved_amount": "19500.00", "rejection_reason": "over_limit"},
        {"id": lines["medical"], "approved_amount": "50000.00"},
    ]}
    ok = insurer.post(f"/api/v1/claims/{claim.pk}/approve/", body, format="json")
    assert ok.status_code == 200, ok.json()
    got = {line["item"]: (line["claimed_amount"], line["approved_amount"], line["rejection_reason"])
           for line in ok.json()["lines"]}
    assert got == {"death": ("180000.00", "180000.00", ""), "funeral": ("30000.00", "19500.00", "over_limit"),
                   "medical": ("50000.00", "50000.00", "")}
    assert (ok.json()["claimed_amount"], ok.json()["approved_amount"]) == ("260000.00", "249500.00")


@pytest.mark.django_db
def test_per_accident_limit_net_of_the_deductible_through_the_api(cw):
    visitors = [{"kind": "third_party", "name": f"访客{i}", "outcome": "disability"} for i in range(6)]
    event = incident(cw.gz_institution, category="fire", persons=visitors)
    lines = [claim_services.LineData("disability", D("90000.00"), p.pk) for p in event.persons.all()]
    claim = claim_services.create_claim(actor=cw.gz_institution, policy_id=cw.gz_policy.pk, incident_id=event.pk,
                                        section="third_party", claimed_amount=D("540000.00"), lines=lines)
    advance(cw, claim, "register")
    refused = client_for(cw.insurer).post(f"/api/v1/claims/{claim.pk}/approve/", {"approved_amount": "540000.00"})
    assert refused.status_code == 400 and refused.json()["code"] == "over_per_accident"
    assert "499500.00" in refused.json()["detail"]  # 500,000 − 500


@pytest.mark.django_db
def test_approval_cannot_exceed_the_claim_or_the_lines(cw):
    claim = new_claim(cw, amount="3000.00")
    advance(cw, claim, "register")
    insurer = client_for(cw.insurer)
    more = insurer.post(f"/api/v1/claims/{claim.pk}/approve/", {"approved_amount": "3000.01"})
    assert more.status_code == 400 and more.json()["code"] == "over_claimed"
    mismatch = insurer.post(f"/api/v1/claims/{claim.pk}/approve/", {
        "approved_amount": "2000.00", "lines": [{"id": claim.lines.get().pk, "approved_amount": "1500.00"}]
    }, format="json")
    assert mismatch.status_code == 400 and mismatch.json()["code"] == "amount_mismatch"
    stranger = insurer.post(f"/api/v1/claims/{claim.pk}/approve/", {
        "approved_amount": "2000.00", "lines": [{"id": 999999, "approved_amount": "2000.00"}]
    }, format="json")
    assert stranger.status_code == 400


@pytest.mark.django_db
def test_pay_must_equal_the_approved_amount(cw):
    claim = new_claim(cw, amount="3000.00")
    advance(cw, claim, "register")
    advance(cw, claim, "approve", amount="2500.00")
    insurer = client_for(cw.insurer)
    today = timezone.localdate()
    wrong = insurer.post(f"/api/v1/claims/{claim.pk}/pay/", {"paid_amount": "3000.00", "paid_on": str(today),
                                                              "reference": "B-1"})
    assert wrong.status_code == 400 and "2500.00" in wrong.json()["detail"]
    future = insurer.post(f"/api/v1/claims/{claim.pk}/pay/", {"paid_amount": "2500.00", "reference": "B-1",
                                                               "paid_on": str(today + timedelta(days=2))})
    assert future.status_code == 400 and "paid_on" in future.json()["fields"]
    ok = insurer.post(f"/api/v1/claims/{claim.pk}/pay/", {"paid_amount": "2500.00", "paid_on": str(today),
                                                           "reference": "B-1"})
    assert ok.status_code == 200
    assert [(line["approved_amount"], line["paid_amount"]) for line in ok.json()["lines"]] == [("2500.00", "2500.00")]
