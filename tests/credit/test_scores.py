"""Credit scores from the database: facts gathered set-based, snapshots and history, the
institution's denormalised fields, rule sets (default, province, editing and publishing), the daily
job, the API contract and scoping, and the credit pages."""

import importlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from credit import rule_sets
from credit.choices import ComplaintStatus, RuleSetStatus
from credit.daily import credit_scores
from credit.facts import facts_for
from credit.models import CreditScore, ScoringRuleSet
from credit.scores import recompute, recompute_one
from credit.scoring import DEFAULT_CUTOFFS, DEFAULT_RULES
from institutions.models import Institution
from insurance.choices import PolicyStatus
from tests.conftest import client_for
from tests.credit.conftest import AS_OF
from tests.pages import as_user, text


def points(snapshot, rule):
    return Decimal(next(line["points"] for line in snapshot.breakdown if line["rule"] == rule))


def latest(home):
    return CreditScore.objects.get(institution=home, is_latest=True)


# Rule sets -----------------------------------------------------------------------------------

def test_the_migration_installs_the_default_national_rule_set_published(db):
    national = ScoringRuleSet.objects.get(code=rule_sets.DEFAULT_CODE)
    assert national.status == RuleSetStatus.PUBLISHED and national.region_id is None
    assert national.rules == DEFAULT_RULES
    assert national.grade_cutoffs == DEFAULT_CUTOFFS and national.base_score == Decimal("80")
    # Running it again changes nothing.
    migration = importlib.import_module("credit.migrations.0002_default_rule_set")
    from django.apps import apps

    migration.install(apps, None)
    assert ScoringRuleSet.objects.filter(code=rule_sets.DEFAULT_CODE).count() == 1


def test_a_province_copies_edits_and_publishes_its_own_rule_set(cw):
    national = ScoringRuleSet.objects.get(code=rule_sets.DEFAULT_CODE)
    draft = rule_sets.copy_to_draft(actor=cw.province_regulator, rule_set_id=national.pk)
    assert (draft.region_id, draft.status, draft.version) == ("440000", RuleSetStatus.DRAFT, 1)
    with pytest.raises(ValidationFailed) as refused:
        rule_sets.edit_draft(actor=cw.province_regulator, rule_set_id=draft.pk,
                             grade_cutoffs={"A": "70", "B": "75", "C": "60"})
    assert "grade_cutoffs" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        rule_sets.edit_draft(actor=cw.province_regulator, rule_set_id=draft.pk,
                             rules={**draft.rules, "complaints": {"points": "lots", "cap": "-10"}})
    assert "rules.complaints.points" in refused.value.fields
    rules = {**draft.rules, "continuous_insurance": {"points": "10", "cap": "10", "window_days": 365}}
    rule_sets.edit_draft(actor=cw.province_regulator, rule_set_id=draft.pk, rules=rules)
    rule_sets.publish(actor=cw.province_regulator, rule_set_id=draft.pk)
    with pytest.raises(Conflict):
        rule_sets.edit_draft(actor=cw.province_regulator, rule_set_id=draft.pk, rules=rules)

    # 天河 (Guangdong) is scored by the province's rule set, 汉滨 (Shaanxi) by the national one.
    cw.add_policy(cw.home)
    cw.add_policy(cw.far_home)
    recompute(as_of=AS_OF, institution_ids=[cw.home.pk, cw.far_home.pk])
    assert latest(cw.home).rule_set_id == draft.pk and latest(cw.home).score == Decimal("90.00")
    assert latest(cw.far_home).rule_set_id == national.pk and latest(cw.far_home).score == Decimal("82.00")

    # A second version retires the first.
    second = rule_sets.copy_to_draft(actor=cw.province_regulator, rule_set_id=draft.pk)
    rule_sets.publish(actor=cw.province_regulator, rule_set_id=second.pk)
    draft.refresh_from_db()
    assert (second.version, draft.status) == (2, RuleSetStatus.RETIRED)


def test_only_province_regulators_and_admins_keep_rule_sets(cw):
    national = ScoringRuleSet.objects.get(code=rule_sets.DEFAULT_CODE)
    with pytest.raises(NotAllowed):
        rule_sets.copy_to_draft(actor=cw.regulator, rule_set_id=national.pk)  # a city regulator
    guangdong = rule_sets.copy_to_draft(actor=cw.province_regulator, rule_set_id=national.pk)
    shaanxi = rule_sets.copy_to_draft(actor=cw.admin, rule_set_id=national.pk, region_code="610902")
    assert shaanxi.region_id == "610000"
    with pytest.raises(NotFound):
        rule_sets.publish(actor=cw.province_regulator, rule_set_id=shaanxi.pk)
    rule_sets.publish(actor=cw.admin, rule_set_id=guangdong.pk)


# Facts and recompute -------------------------------------------------------------------------

def test_every_kind_of_fact_reaches_its_rule(cw):
    finding = cw.add_finding(grade="E", status="overdue", major=True)
    cw.add_penalty(kind="fine")
    incident = cw.add_incident(responsibility="direct")
    cw.add_policy(end=AS_OF - timedelta(days=65))  # 65 days uncovered: 2 points
    cw.add_complaint()
    cw.add_dishonest_worker()
    # Facts that must not count.
    cw.add_incident(responsibility="secondary")
    cw.add_complaint(status=ComplaintStatus.UNSUBSTANTIATED)
    cw.add_dishonest_worker(ended_on=date(2024, 1, 1))  # no longer works there
    cw.add_dishonest_worker(valid_until=date(2026, 1, 1))  # record expired
    cw.add_policy(start=date(2026, 5, 1), end=date(2027, 4, 30), status=PolicyStatus.DRAFT)
    cw.add_finding(cw.other_home, grade="L", status="overdue", major=True)  # another home's

    recompute(as_of=AS_OF)
    snapshot = latest(cw.home)
    assert points(snapshot, "findings") == Decimal("-1.00")
    assert points(snapshot, "overdue_rectifications") == Decimal("-2.00")
    assert points(snapshot, "major_hazards") == Decimal("-5.00")
    assert points(snapshot, "penalties") == Decimal("-4.00")
    assert points(snapshot, "incidents") == Decimal("-6.00")
    assert points(snapshot, "uninsured_days") == Decimal("-2.00")
    assert points(snapshot, "complaints") == Decimal("-2.00")
    assert points(snapshot, "practitioner_dishonesty") == Decimal("-3.00")
    assert points(snapshot, "continuous_insurance") == 0
    assert snapshot.score == Decimal("55.00") and snapshot.grade == "D"
    findings_line = next(line for line in snapshot.breakdown if line["rule"] == "findings")
    assert findings_line["facts"] == [{"type": "finding", "id": finding.pk, "label": "E E级问题",
                                       "date": (AS_OF - timedelta(days=30)).isoformat()}]
    incident_line = next(line for line in snapshot.breakdown if line["rule"] == "incidents")
    assert [fact["id"] for fact in incident_line["facts"]] == [incident.pk]
    cw.home.refresh_from_db()
    assert (cw.home.credit_score, cw.home.credit_grade) == (Decimal("55.00"), "D")
    # The clean inspection of the other home's record is not ours; its own finding is its own.
    assert points(latest(cw.other_home), "findings") == Decimal("-4.00")


def test_facts_dated_after_as_of_do_not_count(cw):
    cw.add_penalty(kind="suspension", day=AS_OF + timedelta(days=1))
    cw.add_finding(grade="L", day=AS_OF + timedelta(days=2))
    facts = facts_for([cw.home.pk], AS_OF)[cw.home.pk]
    assert facts.penalties == [] and facts.findings == []


def test_same_facts_same_score_and_history_is_kept(cw):
    cw.add_policy()
    assert recompute(as_of=AS_OF) == 3
    first = latest(cw.home)
    assert recompute(as_of=AS_OF) == 0  # nothing changed: no new snapshot
    assert CreditScore.objects.filter(institution=cw.home).count() == 1
    assert latest(cw.home).score == first.score == Decimal("82.00")

    cw.add_penalty(kind="warning", day=AS_OF)
    assert recompute(as_of=AS_OF + timedelta(days=1), institution_ids=[cw.home.pk]) == 1
    history = list(CreditScore.objects.filter(institution=cw.home).order_by("computed_at", "id"))
    assert [(s.score, s.is_latest) for s in history] == [(Decimal("82.00"), False), (Decimal("80.00"), True)]
    cw.home.refresh_from_db()
    assert cw.home.credit_score == Decimal("80.00") and cw.home.credit_grade == "B"


def _recompute_queries(homes_factory, cw, n):
    homes = homes_factory(n)
    with CaptureQueriesContext(connection) as ctx:
        recompute(as_of=AS_OF, institution_ids=[home.pk for home in homes])
    assert CreditScore.objects.filter(institution__in=homes, is_latest=True).count() == n
    return len(ctx)


def test_recompute_is_set_based_whatever_the_number_of_homes(cw, homes_factory):
    few = _recompute_queries(homes_factory, cw, 3)
    many = _recompute_queries(homes_factory, cw, 30)
    assert few == many
    assert many <= 16


def test_the_daily_job_scores_every_active_home(cw):
    Institution.objects.filter(pk=cw.far_home.pk).update(is_active=False)
    message = credit_scores(AS_OF)
    assert message.startswith("2 ")
    assert not CreditScore.objects.filter(institution=cw.far_home).exists()
    assert credit_scores(AS_OF).startswith("0 ")  # idempotent


def test_recompute_one_is_for_regulators_of_the_region_and_admins(cw):
    snapshot = recompute_one(actor=cw.regulator, institution_id=cw.home.pk)
    assert snapshot.is_latest and snapshot.institution_id == cw.home.pk
    assert recompute_one(actor=cw.admin, institution_id=cw.far_home.pk).institution_id == cw.far_home.pk
    with pytest.raises(NotFound):
        recompute_one(actor=cw.far_regulator, institution_id=cw.home.pk)
    with pytest.raises(NotFound):
        recompute_one(actor=cw.institution, institution_id=cw.other_home.pk)
    with pytest.raises(NotAllowed):
        recompute_one(actor=cw.institution, institution_id=cw.home.pk)
    with pytest.raises(NotAllowed):
        recompute_one(actor=cw.inspector, institution_id=cw.home.pk)


# API -----------------------------------------------------------------------------------------

URL = "/api/v1/credit-scores/"


def test_api_lists_the_latest_score_with_its_breakdown(cw, django_assert_max_num_queries):
    finding = cw.add_finding(grade="K")
    recompute(as_of=AS_OF - timedelta(days=1))
    cw.add_penalty(kind="warning", day=AS_OF)
    recompute(as_of=AS_OF)
    with django_assert_max_num_queries(6):
        body = client_for(cw.regulator).get(URL, HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["count"] == 2  # the two 天河 homes, latest only
    row = next(r for r in body["results"] if r["institution"] == cw.home.pk)
    assert row["score"] == "62.00" and row["grade"] == "C"  # -4 finding, -2 warning, -12 uninsured
    assert row["rule_set"]["code"] == "national" and row["rule_set"]["version"] == 1
    assert row["as_of"] == AS_OF.isoformat() and row["computed_at"]
    findings_line = next(line for line in row["breakdown"] if line["rule"] == "findings")
    assert findings_line == {"rule": "findings", "label": "Inspection findings by grade", "points": "-4.00",
                             "facts": [{"type": "finding", "id": finding.pk, "label": "K K级问题",
                                        "date": (AS_OF - timedelta(days=30)).isoformat()}]}
    assert [line["rule"] for line in row["breakdown"]] == list(DEFAULT_RULES)

    assert client_for(cw.regulator).get(URL, {"grade": "C"}).json()["count"] == 2
    assert client_for(cw.regulator).get(URL, {"grade": ["A", "B"]}).json()["count"] == 0
    assert client_for(cw.admin).get(URL, {"region": "610000"}).json()["results"][0]["institution"] == cw.far_home.pk
    assert client_for(cw.regulator).get(URL, {"institution": cw.other_home.pk}).json()["count"] == 1
    assert client_for(cw.regulator).get(URL, {"updated_since": "2999-01-01T00:00:00Z"}).json()["count"] == 0


def test_api_scoping(cw):
    recompute(as_of=AS_OF)
    far = latest(cw.far_home)
    mine = latest(cw.home)
    assert client_for(cw.regulator).get(f"{URL}{far.pk}/").status_code == 404
    assert client_for(cw.far_regulator).get(f"{URL}{far.pk}/").status_code == 200
    own = client_for(cw.institution).get(URL).json()
    assert [r["institution"] for r in own["results"]] == [cw.home.pk]
    assert client_for(cw.other_institution).get(f"{URL}{mine.pk}/").status_code == 404
    assert client_for(cw.insurer_user).get(URL).json()["count"] == 0  # insurers see no scores
    assert client_for(cw.institution).get(f"{URL}{mine.pk}/").json()["score"] == str(mine.score)


def test_api_history_and_recompute(cw):
    recompute(as_of=AS_OF - timedelta(days=10))
    cw.add_complaint(day=AS_OF - timedelta(days=5))
    recompute(as_of=AS_OF)
    series = client_for(cw.institution).get(f"{URL}history/", {"institution": cw.home.pk}).json()
    assert [(p["as_of"], p["score"], p["is_latest"]) for p in series["results"]] == [
        ((AS_OF - timedelta(days=10)).isoformat(), "68.00", False), (AS_OF.isoformat(), "66.00", True)]
    assert client_for(cw.institution).get(f"{URL}history/", {"institution": cw.other_home.pk}).json()["count"] == 0
    missing = client_for(cw.institution).get(f"{URL}history/")
    assert missing.status_code == 400 and "institution" in missing.json()["fields"]

    response = client_for(cw.regulator).post(f"{URL}recompute/", {"institution": cw.home.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["institution"] == cw.home.pk and response.json()["breakdown"]
    assert client_for(cw.far_regulator).post(f"{URL}recompute/", {"institution": cw.home.pk},
                                             format="json").status_code == 404
    assert client_for(cw.institution).post(f"{URL}recompute/", {"institution": cw.home.pk},
                                           format="json").status_code == 403
    assert client_for(cw.regulator).post(f"{URL}recompute/", {"institution": "x"}, format="json").status_code == 400


# Pages ---------------------------------------------------------------------------------------

def test_the_credit_page_shows_the_breakdown_with_links_and_the_history(cw, web, django_assert_max_num_queries):
    finding = cw.add_finding(grade="H", status="overdue")
    incident = cw.add_incident()
    cw.add_policy()
    recompute(as_of=AS_OF)
    as_user(web, cw.regulator)
    with django_assert_max_num_queries(12):
        response = web.get(reverse("credit-score-detail", args=[cw.home.pk]))
    page = text(response)
    assert response.status_code == 200
    assert 'id="score">73.00<' in page and 'id="grade">C<' in page
    assert "Inspection findings by grade" in page and "Overdue rectifications" in page
    assert "Continuous liability insurance" in page  # 0-point rules listed too
    assert reverse("finding-detail", args=[finding.pk]) in page
    assert reverse("incident-detail", args=[incident.pk]) in page
    assert 'id="recompute"' in page and 'id="credit-history"' in page and "credit-charts.js" in page

    response = web.post(reverse("credit-score-recompute", args=[cw.home.pk]), follow=True)
    assert "Credit score recomputed." in text(response)


def test_the_institution_sees_its_own_credit_only(cw, web):
    recompute(as_of=AS_OF)
    as_user(web, cw.institution)
    response = web.get(reverse("my-credit"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("credit-score-detail", args=[cw.home.pk])
    assert 'id="breakdown"' in text(response) and 'id="recompute"' not in text(response)
    assert web.get(reverse("credit-score-detail", args=[cw.other_home.pk])).status_code == 404
    assert web.post(reverse("credit-score-recompute", args=[cw.home.pk])).status_code == 403
    as_user(web, cw.far_regulator)
    assert web.get(reverse("credit-score-detail", args=[cw.home.pk])).status_code == 404


def test_the_score_list_for_regulators(cw, web):
    cw.add_policy(cw.home)
    cw.add_policy(cw.far_home)
    recompute(as_of=AS_OF)
    as_user(web, cw.regulator)
    page = text(web.get(reverse("credit-score-list"), {"grade": "B"}))
    assert cw.home.name in page and cw.far_home.name not in page and cw.other_home.name not in page
    as_user(web, cw.institution)
    assert web.get(reverse("credit-score-list")).status_code == 403


def test_rule_set_pages(cw, web):
    national = ScoringRuleSet.objects.get(code=rule_sets.DEFAULT_CODE)
    as_user(web, cw.province_regulator)
    assert "全国默认信用评分规则" in text(web.get(reverse("ruleset-list")))
    detail = text(web.get(reverse("ruleset-detail", args=[national.pk])))
    assert "Days without liability insurance" in detail and 'id="save"' not in detail
    response = web.post(reverse("ruleset-detail", args=[national.pk]), {"action": "copy"}, follow=True)
    draft = ScoringRuleSet.objects.get(region_id="440000")
    assert response.redirect_chain[-1][0] == reverse("ruleset-detail", args=[draft.pk])
    form = {"action": "save", "base_score": "80", "cutoff.A": "90", "cutoff.B": "95", "cutoff.C": "60"}
    refused = text(web.post(reverse("ruleset-detail", args=[draft.pk]), form))
    assert "Cut-offs must descend" in refused
    form["cutoff.B"] = "70"
    web.post(reverse("ruleset-detail", args=[draft.pk]), form)
    web.post(reverse("ruleset-detail", args=[draft.pk]), {"action": "publish"})
    draft.refresh_from_db()
    assert draft.grade_cutoffs["B"] == "70" and draft.status == RuleSetStatus.PUBLISHED
    as_user(web, cw.institution)
    assert web.get(reverse("ruleset-list")).status_code == 403


def test_the_recompute_command_reports_progress_and_what_changed(cw):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("recompute_credit_scores", "--as-of", AS_OF.isoformat(), "--institution", str(cw.home.pk), stdout=out)
    assert "1/1 institutions scored" in out.getvalue() and "1 new credit score snapshots" in out.getvalue()
    assert latest(cw.home).as_of == AS_OF
