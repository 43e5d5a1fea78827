"""Two insurer clients paying (or approving) the same claim at the same moment, against the
database with real transactions: exactly one succeeds, nothing is paid twice."""

import threading

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from insurance.models import Claim, ClaimEvent, Payment
from tests.claims.conftest import advance, claim_in, new_claim

pytestmark = pytest.mark.django_db(transaction=True)


def race(user, url, body, headers=None, n=2):
    barrier = threading.Barrier(n)
    codes = []

    def call():
        client = APIClient()
        client.force_authenticate(user)
        try:
            barrier.wait()
            codes.append(client.post(url, body, format="json", **(headers or {})).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(codes)


def pay_body():
    return {"paid_amount": "3000.00", "paid_on": timezone.localdate().isoformat(), "reference": "BANK-RACE"}


def test_two_pays_at_once_one_wins_the_other_gets_409(cw):
    claim = claim_in(cw, "approved")
    assert race(cw.insurer, f"/api/v1/claims/{claim.pk}/pay/", pay_body()) == [200, 409]
    claim.refresh_from_db()
    assert claim.status == "paid" and str(claim.paid_amount) == "3000.00"
    assert Payment.objects.filter(claim=claim).count() == 1
    assert ClaimEvent.objects.filter(claim=claim, action="pay").count() == 1


def test_two_pays_with_the_same_version_one_wins_the_other_gets_412(cw):
    claim = claim_in(cw, "approved")
    headers = {"HTTP_IF_MATCH": f'"{claim.version}"'}
    assert race(cw.insurer, f"/api/v1/claims/{claim.pk}/pay/", pay_body(), headers) == [200, 412]
    assert Payment.objects.filter(claim=claim).count() == 1


def test_two_approvals_cannot_both_spend_the_aggregate(cw):
    """3,000,000 aggregate: two claims of 2,000,000 approved at once (per-accident raised for the
    test) — only one fits."""
    from insurance.models import CoverageSection

    CoverageSection.objects.filter(policy=cw.gz_policy, section="general").update(
        per_person_limit="2500000", per_accident_limit="2500000")
    first, second = new_claim(cw, amount="2000000.00"), new_claim(cw, amount="2000000.00")
    for claim in (first, second):
        advance(cw, claim, "register")
    barrier = threading.Barrier(2)
    codes = []

    def approve(claim):
        client = APIClient()
        client.force_authenticate(cw.insurer)
        try:
            barrier.wait()
            codes.append(client.post(f"/api/v1/claims/{claim.pk}/approve/", {"approved_amount": "2000000.00"},
                                     format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(claim,)) for claim in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200, 400]
    assert Claim.objects.filter(status="approved").count() == 1
