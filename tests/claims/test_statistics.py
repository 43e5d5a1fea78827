"""Claims statistics against a small book computed by hand."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from insurance.models import Claim
from tests.claims.conftest import advance, new_claim
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/claims/statistics/"
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


@pytest.fixture
def book(cw):
    """Premiums (rated by the schemes): 天河 A 12,600.00; 天河 B (50 beds) 6,300.00; 汉滨 A 8,400.00.

    c1 天河/A general fall      3,000 claimed, 2,500 approved and paid; registered +1 d, approved +2 d, paid +5 d
    c2 天河/A other fire       10,000 claimed, registered +2 d, reported 40 days ago (open > 30 days)
    c3 天河/B general choking   4,000 claimed, rejected; registered +0.5 d
    c4 汉滨/A general bed_fall  6,000 claimed and approved; registered +3 d, approved +4 d
    """
    now = timezone.now()
    c1 = new_claim(cw, amount="3000.00", category="fall")
    for action, amount in (("register", None), ("approve", "2500.00"), ("pay", None)):
        advance(cw, c1, action, amount)
    c2 = new_claim(cw, amount="10000.00", section="other", category="fire", occurred_at=now - 45 * DAY)
    advance(cw, c2, "register")
    c3 = new_claim(cw, user=cw.gz_institution2, policy=cw.gz2_policy, amount="4000.00", category="choking")
    advance(cw, c3, "register")
    advance(cw, c3, "reject")
    c4 = new_claim(cw, user=cw.ak_institution, policy=cw.ak_policy, amount="6000.00", category="bed_fall")
    advance(cw, c4, "register")
    advance(cw, c4, "approve")
    t, t2 = now - 10 * DAY, now - 40 * DAY
    Claim.objects.filter(pk=c1.pk).update(created_at=t, registered_at=t + DAY, approved_at=t + 2 * DAY,
                                          paid_at=t + 5 * DAY)
    Claim.objects.filter(pk=c2.pk).update(created_at=t2, registered_at=t2 + 2 * DAY)
    Claim.objects.filter(pk=c3.pk).update(created_at=t, registered_at=t + DAY / 2)
    Claim.objects.filter(pk=c4.pk).update(created_at=t, registered_at=t + 3 * DAY, approved_at=t + 4 * DAY)
    cw.year = cw.gz_policy.start_date.year
    return cw


def rows(items, *fields):
    return {row["key"]: tuple(row[f] for f in fields) for row in items}


AMOUNTS = ("count", "claimed_amount", "approved_amount", "paid_amount")


def test_the_administrators_figures(book):
    stats = client_for(book.admin).get(URL).json()
    assert stats["totals"] == {"count": 4, "claimed_amount": "23000.00", "approved_amount": "8500.00",
                               "paid_amount": "2500.00"}
    assert rows(stats["by_status"], *AMOUNTS) == {
        "paid": (1, "3000.00", "2500.00", "2500.00"), "registered": (1, "10000.00", "0.00", "0.00"),
        "rejected": (1, "4000.00", "0.00", "0.00"), "approved": (1, "6000.00", "6000.00", "0.00")}
    assert rows(stats["by_section"], "count", "claimed_amount") == {"general": (3, "13000.00"),
                                                                    "other": (1, "10000.00")}
    assert rows(stats["by_category"], "count") == {"fall": (1,), "fire": (1,), "choking": (1,), "bed_fall": (1,)}
    assert rows(stats["by_insurer"], "count", "paid_amount") == {book.insurer_a.code: (3, "2500.00"),
                                                                 "other-ins": (1, "0.00")}
    assert rows(stats["by_region"], "label", "count") == {"440000": ("广东省", 3), "610000": ("陕西省", 1)}
    loss = stats["loss_ratio"]
    assert rows(loss["by_insurer"], "premium", "paid_amount", "loss_ratio") == {
        book.insurer_a.code: ("21000.00", "2500.00", "0.1190"), "other-ins": ("6300.00", "0.00", "0.0000")}
    assert rows(loss["by_region"], "premium", "loss_ratio") == {"440000": ("18900.00", "0.1323"),
                                                                "610000": ("8400.00", "0.0000")}
    assert rows(loss["by_year"], "premium", "loss_ratio") == {str(book.year): ("27300.00", "0.0916")}
    assert stats["durations"] == {
        "to_registration": {"count": 4, "median_days": "1.50", "p90_days": "2.70"},  # 0.5, 1, 2, 3
        "to_approval": {"count": 2, "median_days": "3.00", "p90_days": "3.80"},  # 2, 4
        "to_payment": {"count": 1, "median_days": "5.00", "p90_days": "5.00"},
    }
    assert stats["open_over_30_days"] == {"count": 1, "claimed_amount": "10000.00"}
    evaluation = {row["insurer"]: row for row in stats["insurer_evaluation"]}
    a, b = evaluation[book.insurer_a.code], evaluation["other-ins"]
    assert (a["claims"], a["open"], a["open_over_30_days"], a["paid"], a["rejected"]) == (3, 2, 1, 1, 0)
    assert (a["premium"], a["paid_amount"], a["loss_ratio"]) == ("21000.00", "2500.00", "0.1190")
    assert (a["median_days_to_registration"], a["median_days_to_approval"], a["median_days_to_payment"],
            a["p90_days_to_payment"]) == ("2.00", "3.00", "5.00", "5.00")
    assert (b["claims"], b["rejected"], b["rejection_rate"], b["median_days_to_registration"]) == (
        1, 1, "1.0000", "0.50")
    assert b["median_days_to_payment"] is None


def test_a_city_regulator_sees_its_region_by_county(book):
    stats = client_for(book.gz_regulator).get(URL).json()
    assert stats["totals"]["count"] == 3
    assert rows(stats["by_region"], "label", "count") == {"440106": ("天河区", 3)}
    assert rows(stats["loss_ratio"]["by_insurer"], "premium", "loss_ratio") == {
        book.insurer_a.code: ("12600.00", "0.1984"), "other-ins": ("6300.00", "0.0000")}
    assert stats["durations"]["to_registration"] == {"count": 3, "median_days": "1.00", "p90_days": "1.80"}
    assert client_for(book.ak_regulator).get(URL).json()["totals"]["count"] == 1


def test_an_insurer_sees_its_book(book):
    stats = client_for(book.insurer).get(URL).json()
    assert stats["totals"]["count"] == 3
    assert [row["insurer"] for row in stats["insurer_evaluation"]] == [book.insurer_a.code]
    assert rows(stats["loss_ratio"]["by_insurer"], "premium") == {book.insurer_a.code: ("21000.00",)}
    assert client_for(book.insurer_b_user).get(URL).json()["totals"]["count"] == 1


def test_year_and_region_filters(book):
    admin = client_for(book.admin)
    assert admin.get(URL, {"year": book.year}).json()["totals"]["count"] == 4
    empty = admin.get(URL, {"year": book.year - 5}).json()
    assert empty["totals"]["count"] == 0 and empty["loss_ratio"]["by_insurer"] == []
    assert empty["durations"]["to_payment"] == {"count": 0, "median_days": None, "p90_days": None}
    ak = admin.get(URL, {"region": "610900"}).json()
    assert ak["totals"]["count"] == 1 and ak["region"] == "610900"
    assert client_for(book.gz_regulator).get(URL, {"region": "610000"}).status_code == 404
    assert client_for(book.gz_regulator).get(URL, {"region": "440106"}).json()["totals"]["count"] == 3
    assert admin.get(URL, {"year": "abc"}).status_code == 400
    assert admin.get(URL, {"region": "44"}).status_code == 400
    assert admin.get(URL, {"region": "999999"}).status_code == 404


@pytest.mark.parametrize("who", ["gz_institution", "gz_inspector"])
def test_statistics_are_for_regulators_insurers_and_admins(book, who):
    assert client_for(getattr(book, who)).get(URL).status_code == 403


def test_statistics_take_a_fixed_number_of_queries(book):
    client = client_for(book.admin)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _ in range(4):
        claim = new_claim(book, amount="1000.00")
        for action in ("register", "approve", "pay"):
            advance(book, claim, action)
    assert count() == few


def percentile_cont(values: list[float], q: float) -> float:
    """The reference: PostgreSQL's percentile_cont, interpolating between closest ranks."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@pytest.mark.parametrize("hours", [[5], [12, 36], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [30, 1, 1, 7, 401, 18, 18, 2]])
def test_the_database_ranks_durations_like_percentile_cont(cw, hours):
    """Only the values around each percentile come back from the database; the figures are those of
    every claim's duration, overall and per insurer."""
    now = timezone.now()
    for n, h in enumerate(hours):
        claim = new_claim(cw, amount="1000.00", occurred_at=now - (n + 2) * DAY)
        advance(cw, claim, "register")
        Claim.objects.filter(pk=claim.pk).update(created_at=now - 30 * DAY, registered_at=now - 30 * DAY + h * HOUR)
    stats = client_for(cw.admin).get(URL).json()
    days = [h / 24 for h in hours]
    assert stats["durations"]["to_registration"] == {
        "count": len(hours),
        "median_days": f"{Decimal(str(percentile_cont(days, 0.5))).quantize(Decimal('0.01'), ROUND_HALF_UP)}",
        "p90_days": f"{Decimal(str(percentile_cont(days, 0.9))).quantize(Decimal('0.01'), ROUND_HALF_UP)}",
    }
    (mine,) = [row for row in stats["insurer_evaluation"] if row["claims"]]
    assert mine["median_days_to_registration"] == stats["durations"]["to_registration"]["median_days"]


def test_each_insurers_percentiles_are_its_own_claims(cw):
    """Ranks of one insurer's claims bring along other insurers' rows of the same rank: each insurer's
    median and 90th percentile are still those of its own claims."""
    now = timezone.now()
    hours = {cw.gz_policy: [1, 2, 3, 40, 50], cw.gz2_policy: [100, 7, 9]}
    users = {cw.gz_policy: None, cw.gz2_policy: cw.gz_institution2}
    for policy, values in hours.items():
        for n, h in enumerate(values):
            claim = new_claim(cw, user=users[policy], policy=policy, amount="1000.00", occurred_at=now - (n + 2) * DAY)
            advance(cw, claim, "register")
            Claim.objects.filter(pk=claim.pk).update(created_at=now - 30 * DAY, registered_at=now - 30 * DAY + h * HOUR)
    stats = client_for(cw.admin).get(URL).json()

    def median(values):
        return f"{Decimal(str(percentile_cont([h / 24 for h in values], 0.5))).quantize(Decimal('0.01'), ROUND_HALF_UP)}"

    medians = {row["insurer"]: row["median_days_to_registration"] for row in stats["insurer_evaluation"]}
    assert medians == {cw.gz_policy.insurer.code: median(hours[cw.gz_policy]),
                       cw.gz2_policy.insurer.code: median(hours[cw.gz2_policy])}
    assert stats["durations"]["to_registration"]["median_days"] == median(sum(hours.values(), []))


def test_the_days_to_each_milestone_are_kept_by_the_database_and_not_audited(cw):
    from auditlog.models import LogEntry

    claim = new_claim(cw, amount="1000.00")
    advance(cw, claim, "register")
    Claim.objects.filter(pk=claim.pk).update(registered_at=claim.created_at + 36 * HOUR)  # a bulk write
    claim.refresh_from_db()
    assert (claim.days_to_registration, claim.days_to_approval, claim.days_to_payment) == (pytest.approx(1.5), None, None)
    claim.registered_at += 12 * HOUR
    claim.save()  # every field compared for the change log
    claim.refresh_from_db()
    assert claim.days_to_registration == pytest.approx(2)
    (change,) = [entry.changes_dict for entry in LogEntry.objects.get_for_object(claim).order_by("-pk")[:1]]
    assert "registered_at" in change and not any(name.startswith("days_to_") for name in change)
