"""The demo's incidents and claims (insurance/demo.py CLAIM_STORIES): every state a claim can be
in, shown to the demo accounts, with a history spread over weeks, and seeded once only."""

import re
from collections import Counter

import pytest
from django.db import transaction
from django.test import override_settings

from accounts.demo import DemoContext
from accounts.jobs import demo_steps
from accounts.models import User
from insurance.demo import CLAIM_STORIES
from insurance.models import Claim, ClaimDocument, ClaimEvent, Incident, Payment
from insurance.selectors.claims import claim_statistics

# The steps the claims stand on (registry, insurers, policies) and the claims themselves.
STEPS = {"administrator", "registry", "insurers", "rating_schemes_and_policies", "incidents_and_claims"}
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_steps() -> DemoContext:
    from auditlog.context import set_actor
    from django.utils import timezone

    ctx = DemoContext(today=timezone.localdate())
    steps = [(name, step) for name, step in demo_steps() if name in STEPS]
    steps[0][1](ctx)
    with set_actor(ctx.admin):
        for _name, step in steps[1:]:
            step(ctx)
    return ctx


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("demo-media")
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER, MEDIA_ROOT=media):
        with transaction.atomic():
            yield run_steps()
            transaction.set_rollback(True)


@pytest.fixture
def demo(seeded, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return seeded


def test_every_story_becomes_an_incident_with_its_claim(demo):
    assert demo.created["incidents"] == demo.created["claims"] == len(CLAIM_STORIES) == Incident.objects.count()
    statuses = Counter(Claim.objects.values_list("status", flat=True))
    assert set(statuses) == {"reported", "registered", "documents_requested", "approved", "paid", "closed", "disputed"}
    assert statuses["disputed"] == 1 and statuses["paid"] == 2
    assert Claim.objects.filter(fast_track=True).count() >= 3
    for claim in Claim.objects.filter(paid_amount__isnull=False):
        assert sum(p.amount for p in Payment.objects.filter(claim=claim)) == claim.paid_amount
    disputed = Claim.objects.get(status="disputed")
    assert disputed.disputes.get().resolved_at is None and disputed.approved_amount < disputed.claimed_amount
    assert Incident.objects.exclude(responsibility="").count() == 1


def test_the_history_is_spread_over_the_stories_days(demo):
    for claim in Claim.objects.prefetch_related("events"):
        times = [event.at for event in claim.events.all()]
        assert times == sorted(times) and claim.incident.occurred_at < claim.created_at, claim.number
        if claim.paid_at:
            assert claim.created_at < claim.registered_at < claim.approved_at < claim.paid_at
    admin = User.objects.get(username="admin")
    stats = claim_statistics(admin)
    assert stats["open_over_30_days"]["count"] >= 2
    assert stats["durations"]["to_payment"]["median_days"] >= 4
    assert {row["key"] for row in stats["by_region"]} == {"440000", "610000"}


def test_the_demo_accounts_find_populated_pages(demo, web):
    def rows(username, url, table="claims"):
        web.force_login(User.objects.get(username=username))
        page = web.get(url).content.decode()
        return re.findall(r'<tr data-id="(\d+)"', page.split(f'id="{table}"', 1)[-1])

    home_claims = Claim.objects.filter(institution__users__username="gz_home")
    assert sorted(map(int, rows("gz_home", "/claims/"))) == sorted(home_claims.values_list("pk", flat=True))
    queue = [Claim.objects.get(pk=pk) for pk in rows("insurer_picc", "/claims/")]
    assert queue and queue[0].fast_track and all(c.status in ("reported", "registered", "documents_requested",
                                                              "approved", "disputed") for c in queue)
    assert [Claim.objects.get(pk=pk).status for pk in rows("gz_regulator", "/claims/disputes/", "disputes")] == ["disputed"]
    assert rows("ak_home", "/claims/") and rows("insurer_cpic", "/claims/")
    web.force_login(User.objects.get(username="gd_regulator"))
    page = web.get("/claims/statistics/").content.decode()
    assert re.search(r'data-stat="count">(\d+)<', page).group(1) == str(Claim.objects.filter(
        institution__region__code__startswith="44").count())


def test_a_second_run_adds_nothing(demo):
    before = [model.objects.count() for model in (Incident, Claim, ClaimEvent, ClaimDocument, Payment)]
    again = run_steps()
    assert again.nothing_new
    assert [model.objects.count() for model in (Incident, Claim, ClaimEvent, ClaimDocument, Payment)] == before
