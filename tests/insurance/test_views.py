"""The insurance pages: who may open what, what they show, and that every write goes through the
services (refusals shown where the person can fix them)."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import Role
from insurance import rating, services
from insurance.forms import SchemeForm
from insurance.models import Policy, RatingScheme
from tests.factories import InstitutionFactory, make_scheme, make_user, pdf_bytes, region, term_covering
from tests.insurance.test_coverage import covered  # noqa: F401  (the hand-computed coverage fixture)
from tests.insurance.test_policies import bind, draft
from tests.pages import as_user, errors_for, text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def policy_form(ins, step="quote", **overrides) -> dict:
    """What the policy form posts for the 广州 home: a term covering today, 100 beds, limits left
    blank (the scheme's defaults), no funding amounts (the institution pays)."""
    start, _end = term_covering()
    included = {f"{section}_included": "on" for section in ("other", "third_party", "legal_costs")}
    return {"insurer": ins.insurer_a.code, "start_date": start.isoformat(), "term": "1", "insured_beds": "100",
            "step": step} | included | overrides


def new_draft(ins, **terms) -> Policy:
    start, end = term_covering()
    values = {"start_date": start, "end_date": end, "insured_beds": 100} | terms
    return services.create_policy(
        actor=ins.admin, terms=services.PolicyTerms(**values), institution_id=ins.gz_home.pk, insurer=ins.insurer_a
    )


# --- URLs, navigation, who opens what ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs", "path"),
    [("policy-list", {}, "/policies/"), ("policy-detail", {"pk": 7}, "/policies/7/"),
     ("policy-create", {}, "/policies/new/"), ("policy-edit", {"pk": 7}, "/policies/7/edit/"),
     ("policy-activate", {"pk": 7}, "/policies/7/activate/"), ("policy-cancel", {"pk": 7}, "/policies/7/cancel/"),
     ("policy-declare", {"pk": 7}, "/policies/7/declare/"), ("policy-verify", {"pk": 7}, "/policies/7/verify/"),
     ("policy-upload", {"pk": 7}, "/policies/7/upload/"), ("scheme-list", {}, "/rating-schemes/"),
     ("scheme-create", {}, "/rating-schemes/new/"), ("coverage", {}, "/coverage/"),
     ("coverage-export", {}, "/coverage/export/")],
)
def test_page_url_names(name, kwargs, path):
    assert reverse(name, kwargs=kwargs) == path


@pytest.mark.parametrize(
    ("who", "entries"),
    [("gz_institution", {"/policies/"}), ("insurer", {"/policies/", "/rating-schemes/"}),
     ("gz_regulator", {"/policies/", "/coverage/", "/rating-schemes/"}), ("gz_inspector", set())],
)
def test_menu_follows_the_role(web, ins, who, entries):
    page = text(as_user(web, getattr(ins, who)).get("/"))
    shown = set(re.findall(r'class="(?:nav-link|dropdown-item)[^"]*"[^>]*href="(/policies/|/coverage/|/rating-schemes/)"', page))
    assert shown == entries


@pytest.mark.parametrize(
    ("url", "allowed", "refused"),
    [
        ("/policies/", ["gz_institution", "insurer", "gz_regulator", "admin"], []),
        ("/policies/new/", ["gz_institution", "insurer", "admin"], ["gz_regulator", "gz_inspector"]),
        ("/rating-schemes/", ["gz_institution", "insurer", "gz_regulator", "gz_inspector", "admin"], []),
        ("/rating-schemes/new/", ["gz_regulator", "admin"], ["gz_institution", "insurer", "gz_inspector"]),
        ("/coverage/", ["gz_regulator", "ak_regulator", "admin"], ["gz_institution", "insurer", "gz_inspector"]),
    ],
)
def test_who_opens_which_page(web, ins, url, allowed, refused):
    for who in allowed:
        assert as_user(web, getattr(ins, who)).get(url).status_code == 200, who
    for who in refused:
        response = as_user(web, getattr(ins, who)).get(url)
        assert response.status_code == 403, who
        assert 'data-status="403"' in text(response)


def test_a_county_regulator_does_not_keep_schemes(web, ins):
    county = make_user(Role.REGULATOR, region_code="440106")
    assert as_user(web, county).get("/rating-schemes/new/").status_code == 403


def test_pages_require_sign_in(web, ins):
    for url in ("/policies/", "/coverage/", "/rating-schemes/", "/policies/new/"):
        assert web.get(url)["Location"].startswith("/accounts/login/")


# --- policy list --------------------------------------------------------------------------------


def test_list_is_scoped_with_badges_and_premium(web, ins):
    gz = new_draft(ins)
    services.create_policy(
        actor=ins.admin, terms=services.PolicyTerms(start_date=gz.start_date, end_date=gz.end_date, insured_beds=50),
        institution_id=ins.ak_home.pk, insurer=ins.insurer_b,
    )
    page = text(as_user(web, ins.gz_regulator).get("/policies/"))
    assert re.findall(r'<tr data-id="(\d+)"', page) == [str(gz.pk)]
    assert "天河康乐养老院" in page and "汉滨区中心敬老院" not in page
    assert 'data-status="draft"' in page and 'data-badge="unverified"' in page
    assert '<td class="num premium">12,600.00</td>' in page  # 120 × 100 × 1.05
    # The other insurer sees only the 安康 policy it underwrites.
    page = text(as_user(web, ins.insurer_b_user).get("/policies/"))
    assert "汉滨区中心敬老院" in page and "天河康乐养老院" not in page


def test_list_filters_and_sorts(web, ins):
    first = new_draft(ins, insured_beds=30)
    second = new_draft(ins, insured_beds=90)
    Policy.objects.filter(pk=first.pk).update(number="PGZ-A")
    as_user(web, ins.gz_regulator)
    ids = lambda url: re.findall(r'<tr data-id="(\d+)"', text(web.get(url)))  # noqa: E731
    assert ids("/policies/?ordering=insured_beds") == [str(first.pk), str(second.pk)]
    assert ids("/policies/?ordering=-insured_beds") == [str(second.pk), str(first.pk)]
    assert ids("/policies/?q=PGZ-A") == [str(first.pk)]
    assert ids("/policies/?status=active") == []
    assert ids(f"/policies/?insurer={ins.insurer_b.code}") == []
    assert sorted(ids("/policies/?verified=false&region=440106")) == sorted([str(first.pk), str(second.pk)])
    # A filter error shows no rows rather than everything.
    assert ids("/policies/?region=12") == []


def test_list_query_count_does_not_grow_with_rows(web, ins):
    new_draft(ins)
    as_user(web, ins.gz_regulator)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert web.get("/policies/?ordering=premium").status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    for beds in range(20, 32):
        new_draft(ins, insured_beds=beds)
    assert queries() == few


# --- policy detail ------------------------------------------------------------------------------


def test_detail_shows_terms_rating_and_funding(web, ins):
    policy = new_draft(ins, funding=[{"payer": "city", "amount": Decimal("10080.00")},
                                      {"payer": "institution", "amount": Decimal("2520.00")}])
    page = text(as_user(web, ins.gz_regulator).get(f"/policies/{policy.pk}/"))
    assert 'id="premium">12,600.00<' in page
    assert "120.00 yuan per bed × 100 beds × rate factor 1.0500" in page
    factors = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td class=\"num\">([\d.]+)</td></tr>", page)
    assert factors == [("Level", "No data", "1.0500"), ("Credit grade", "No data", "1.0000"),
                       ("Inspection record (major hazards, 12 months)", "No data", "1.0000"),
                       ("Loss ratio (3 years)", "No data", "1.0000")]
    assert "0.7000 – 1.3000" in page and f"Rated with {policy.scheme.name}, version 1" in page
    assert re.findall(r'data-section="(\w+)"', page) == ["general", "other", "third_party", "legal_costs"]
    assert "200,000.00" in page and "3,000,000.00" in page
    assert re.findall(r'data-payer="(\w+)"', page) == ["city", "institution"]
    assert f'href="/api/v1/policies/{policy.pk}/certificate.pdf"' in page
    assert 'data-kind="create"' in page


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        ("gz_institution", ["id=\"edit\"", "id=\"declare\"", "id=\"upload-form\"", "id=\"cancel\""],
         ["id=\"activate\"", "id=\"verify\""]),
        ("insurer", ["id=\"edit\"", "id=\"activate\"", "id=\"upload-form\"", "id=\"cancel\""],
         ["id=\"declare\"", "id=\"verify\""]),
        ("gz_regulator", [], ["id=\"edit\"", "id=\"declare\"", "id=\"upload-form\"", "id=\"activate\"", "id=\"cancel\""]),
    ],
)
def test_detail_offers_only_the_actions_the_role_may_take(web, ins, who, shown, hidden):
    policy = new_draft(ins)
    page = text(as_user(web, getattr(ins, who)).get(f"/policies/{policy.pk}/"))
    for marker in shown:
        assert marker in page, marker
    for marker in hidden:
        assert marker not in page, marker


def test_verify_is_offered_once_there_is_a_document(web, ins):
    policy = new_draft(ins)
    assert 'id="verify"' not in text(as_user(web, ins.gz_regulator).get(f"/policies/{policy.pk}/"))
    services.upload_document(actor=ins.gz_institution, policy_id=policy.pk,
                             uploaded=SimpleUploadedFile("保单.pdf", pdf_bytes(), content_type="application/pdf"))
    page = text(web.get(f"/policies/{policy.pk}/"))
    assert 'id="verify"' in page and f"/api/v1/policies/{policy.pk}/documents/" in page and "保单.pdf" in page
    assert 'id="verify"' in text(as_user(web, ins.insurer).get(f"/policies/{policy.pk}/"))


@pytest.mark.parametrize("who", ["ak_regulator", "ak_institution", "insurer_b_user", "gz_inspector"])
def test_out_of_scope_is_404(web, ins, who):
    policy = new_draft(ins)
    if who == "gz_inspector":  # an inspector reads policies of its region, but acts on none
        assert as_user(web, ins.gz_inspector).post(f"/policies/{policy.pk}/activate/", {"number": "X"}).status_code == 403
        return
    as_user(web, getattr(ins, who))
    assert web.get(f"/policies/{policy.pk}/").status_code == 404
    assert web.get(f"/policies/{policy.pk}/edit/").status_code == 404
    for action in ("activate", "cancel", "declare", "verify", "upload"):
        assert web.post(f"/policies/{policy.pk}/{action}/", {"number": "X", "reason": "x"}).status_code == 404, action
    assert Policy.objects.get(pk=policy.pk).status == "draft"


# --- create and edit ----------------------------------------------------------------------------


def test_institution_quotes_then_saves_a_draft(web, ins):
    as_user(web, ins.gz_institution)
    page = text(web.get("/policies/new/"))
    assert "天河康乐养老院" in page  # its own, not a choice
    assert 'name="insured_beds" value="120"' in page
    assert re.search(r'name="general_per_person_limit" value="200000"', page)  # the scheme's default

    response = web.post("/policies/new/", policy_form(ins))
    page = text(response)
    assert response.status_code == 200 and 'id="premium">12,600.00<' in page
    assert 'id="rate-factor">1.0500<' in page and 'id="save"' in page
    assert not Policy.objects.exists()  # a quote binds nothing

    response = web.post("/policies/new/", policy_form(ins, step="save"))
    policy = Policy.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/policies/{policy.pk}/"
    assert (policy.status, policy.premium, policy.insurer_id, policy.institution_id) == (
        "draft", Decimal("12600.00"), ins.insurer_a.pk, ins.gz_home.pk)
    assert policy.sections.count() == 4
    assert [(f.payer, f.amount) for f in policy.funding.all()] == [("institution", Decimal("12600.00"))]
    assert policy.end_date == policy.start_date.replace(year=policy.start_date.year + 1) - timedelta(days=1)


def test_funding_mismatch_is_shown_at_the_funding_lines_and_nothing_is_saved(web, ins):
    as_user(web, ins.gz_institution)
    response = web.post("/policies/new/", policy_form(ins, step="save", amount_institution="100.00"))
    assert response.status_code == 200
    assert errors_for(response, "funding") == ["Must add up exactly to the premium."]
    assert "The funding lines add up to 100.00 but the premium is 12600.00." in text(response)
    assert 'id="premium">12,600.00<' in text(response)  # the quote stays in view
    assert not Policy.objects.exists()


def test_split_by_percentage_fills_amounts_that_add_up_to_the_cent(web, ins):
    as_user(web, ins.gz_institution)
    # 120 × 7 × 1.05 = 882.00, split in thirds: cents do not divide evenly.
    data = policy_form(ins, step="split", insured_beds="7", pct_city="33.33", pct_county="33.33", pct_institution="33.34")
    page = text(web.post("/policies/new/", data))
    amounts = {payer: Decimal(value) for payer, value in
               re.findall(r'name="amount_(\w+)" value="([\d.]+)"', page)}
    expected = rating.split_premium(Decimal("882.00"), {"city": Decimal("33.33"), "county": Decimal("33.33"),
                                                        "institution": Decimal("33.34")})
    assert amounts == expected and sum(amounts.values()) == Decimal("882.00")
    web.post("/policies/new/", data | {f"amount_{p}": str(a) for p, a in amounts.items()} | {"step": "save"})
    assert sum(f.amount for f in Policy.objects.get().funding.all()) == Decimal("882.00")


def test_percentages_must_add_up_to_100(web, ins):
    as_user(web, ins.gz_institution)
    response = web.post("/policies/new/", policy_form(ins, step="split", pct_city="50", pct_institution="40"))
    assert errors_for(response, "funding") == ["The percentages add up to 90, not 100."]


def test_limits_out_of_order_are_refused_at_the_section(web, ins):
    as_user(web, ins.gz_institution)
    response = web.post("/policies/new/", policy_form(
        ins, step="save", general_per_person_limit="2000000", general_per_accident_limit="1000000",
        general_aggregate_limit="3000000", general_deductible="500"))
    assert errors_for(response, "general_per_person_limit") == ["The per-person limit cannot exceed the per-accident limit."]
    assert not Policy.objects.exists()


def test_insurer_finds_a_new_client_by_uscc(web, ins):
    as_user(web, ins.insurer)
    data = policy_form(ins, step="save", institution_uscc=ins.ak_home.uscc.lower(), insured_beds="80")
    data.pop("insurer")  # its own, not a choice
    response = web.post("/policies/new/", data)
    policy = Policy.objects.get()
    assert response.status_code == 302 and policy.institution_id == ins.ak_home.pk
    assert policy.insurer_id == ins.insurer_a.pk and policy.premium == Decimal("6720.00")  # 陕西: 80 × 80 × 1.05

    response = web.post("/policies/new/", data | {"institution_uscc": "91440000MA00000000"})
    assert errors_for(response, "institution") == ["No such institution in your scope."]


def test_admin_opens_the_form_for_a_chosen_institution(web, ins):
    as_user(web, ins.admin)
    page = text(web.get(f"/policies/new/?institution={ins.ak_home.pk}"))
    assert 'id="institution-name">汉滨区中心敬老院' in page and 'name="institution_uscc"' not in page
    assert web.get("/policies/new/?institution=999999").status_code == 404
    assert 'name="institution_uscc"' in text(web.get("/policies/new/"))


def test_edit_saves_a_new_version_and_a_stale_form_shows_the_conflict(web, ins):
    policy = new_draft(ins)
    as_user(web, ins.gz_institution)
    page = text(web.get(f"/policies/{policy.pk}/edit/"))
    assert f'name="version" value="{policy.version}"' in page and 'name="insured_beds" value="100"' in page

    stale = policy_form(ins, step="save", version=str(policy.version), insured_beds="50")
    services.update_draft(actor=ins.admin, policy_id=policy.pk, expected_version=policy.version, terms=services.PolicyTerms(
        start_date=policy.start_date, end_date=policy.end_date, insured_beds=60))
    response = web.post(f"/policies/{policy.pk}/edit/", stale)
    assert response.status_code == 200 and 'id="stale"' in text(response)
    assert "The record was changed by someone else; reload it and try again." in text(response)
    assert Policy.objects.get(pk=policy.pk).insured_beds == 60

    fresh = Policy.objects.get(pk=policy.pk)
    response = web.post(f"/policies/{policy.pk}/edit/", stale | {"version": str(fresh.version)})
    assert response.status_code == 302
    fresh.refresh_from_db()
    assert fresh.insured_beds == 50 and fresh.premium == Decimal("6300.00")


def test_only_drafts_are_edited(web, ins):
    policy = new_draft(ins)
    services.cancel_policy(actor=ins.admin, policy_id=policy.pk, reason="duplicate")
    response = as_user(web, ins.gz_institution).get(f"/policies/{policy.pk}/edit/")
    assert response.status_code == 302 and response["Location"] == f"/policies/{policy.pk}/"
    assert as_user(web, ins.gz_regulator).get(f"/policies/{policy.pk}/edit/").status_code == 403


# --- actions through the detail page ------------------------------------------------------------


def test_declare_upload_activate_verify_then_cancel(web, ins):
    start, end = term_covering()
    policy = new_draft(ins, start_date=start, end_date=end)
    url = f"/policies/{policy.pk}/"

    as_user(web, ins.gz_institution)
    response = web.post(f"{url}declare/")
    assert response.status_code == 302 and response["Location"] == url
    page = text(web.get(url))
    assert f"by {ins.gz_institution}" in page and 'id="declare"' not in page

    # A text file renamed .pdf is refused at the file input, and nothing is stored.
    response = web.post(f"{url}upload/", {"file": SimpleUploadedFile("policy.pdf", b"not a pdf at all", "application/pdf")})
    assert response.status_code == 200 and errors_for(response, "file") == ["Not a PDF."]
    assert not policy.documents.exists()
    response = web.post(f"{url}upload/", {"file": SimpleUploadedFile("保单.pdf", pdf_bytes(2), "application/pdf")})
    assert response.status_code == 302 and policy.documents.get().pages == 2

    as_user(web, ins.insurer)
    version = Policy.objects.get(pk=policy.pk).version
    response = web.post(f"{url}activate/", {"number": "", "version": version})
    assert response.status_code == 200
    assert errors_for(response, "number") == ["The insurer's policy number is required to bind the policy."]
    response = web.post(f"{url}activate/", {"number": "PGZ-001", "version": version})
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.status, policy.number) == ("active", "PGZ-001")
    assert policy.institution.__class__.objects.get(pk=ins.gz_home.pk).insured

    as_user(web, ins.gz_regulator)
    response = web.post(f"{url}verify/", {"version": policy.version})
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.verified_by == ins.gz_regulator
    assert 'data-badge="verified"' in text(web.get(url))

    as_user(web, ins.insurer)
    response = web.post(f"{url}cancel/", {"reason": "", "version": policy.version})
    assert response.status_code == 200 and errors_for(response, "reason") == ["This field is required."]
    response = web.post(f"{url}cancel/", {"reason": "The home closed.", "version": policy.version})
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.status == "cancelled"
    page = text(web.get(url))
    kinds = re.findall(r'data-kind="(\w+)"', page)
    assert kinds == ["create", "declare", "upload", "activate", "verify", "cancel"]
    assert "The home closed." in page


def test_activation_lists_what_is_missing(web, ins):
    policy = new_draft(ins)
    response = as_user(web, ins.insurer).post(f"/policies/{policy.pk}/activate/", {"number": "PGZ-9"})
    assert response.status_code == 200
    assert "The institution has not declared that residents are not charged." in text(response)
    assert Policy.objects.get(pk=policy.pk).status == "draft"


def test_a_stale_action_says_so(web, ins):
    policy = new_draft(ins)
    response = as_user(web, ins.insurer).post(f"/policies/{policy.pk}/cancel/", {"reason": "x", "version": policy.version - 1})
    assert response.status_code == 200
    assert "The record was changed by someone else; reload it and try again." in text(response)


@pytest.mark.parametrize(
    ("who", "action"),
    [("gz_regulator", "activate"), ("gz_institution", "activate"), ("gz_regulator", "cancel"),
     ("gz_regulator", "declare"), ("insurer", "declare"), ("gz_regulator", "upload"), ("gz_institution", "verify")],
)
def test_roles_that_may_not_act_get_403(web, ins, who, action):
    policy = new_draft(ins)
    data = {"number": "X", "reason": "x", "file": SimpleUploadedFile("p.pdf", pdf_bytes(), "application/pdf")}
    response = as_user(web, getattr(ins, who)).post(f"/policies/{policy.pk}/{action}/", data)
    assert response.status_code == 403
    policy.refresh_from_db()
    assert (policy.status, policy.not_charged_declared_at, policy.documents.count()) == ("draft", None, 0)


def test_an_action_opened_by_get_goes_back_to_the_policy(web, ins):
    policy = new_draft(ins)
    response = as_user(web, ins.insurer).get(f"/policies/{policy.pk}/activate/")
    assert response.status_code == 302 and response["Location"] == f"/policies/{policy.pk}/"


# --- rating schemes -----------------------------------------------------------------------------


def scheme_post(form_initial: dict, **changes) -> dict:
    data = {}
    for name, value in form_initial.items():
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(value)
    return data | changes


def test_scheme_list_groups_versions_with_readable_tables(web, ins):
    make_scheme("440000", 2026, "135.00")
    page = text(as_user(web, ins.gz_institution).get("/rating-schemes/?year=2026&region=440000"))
    groups = re.findall(r'data-region="(\d+)" data-year="(\d+)"', page)
    assert groups == [("440000", "2026")]
    assert 'data-version="2"' in page and "1 earlier version" in page
    assert "135.00" in page and "Level 5" in page and "≤ 0.30" in page and "× 1.25" in page
    assert 'id="new-scheme"' not in page  # institutions read, regulators keep


def test_scheme_create_makes_version_1_then_2(web, ins):
    as_user(web, ins.gz_regulator)
    page = text(web.get("/rating-schemes/new/"))
    assert '<option value="440100" selected>' in page  # a city regulator's own city
    initial = SchemeForm.initial_for(source=ins.gd_scheme, region=region("440100"), year=2027)
    data = scheme_post(initial, name="广州市2027年方案", base_rate_per_bed="150.00")
    response = web.post("/rating-schemes/new/", data)
    assert response.status_code == 302 and response["Location"] == "/rating-schemes/?region=440100&year=2027"
    response = web.post("/rating-schemes/new/", data | {"base_rate_per_bed": "155.00"})
    assert response.status_code == 302
    versions = list(RatingScheme.objects.filter(region_id="440100", year=2027).order_by("version")
                    .values_list("version", "base_rate_per_bed", "created_by"))
    assert versions == [(1, Decimal("150.00"), ins.gz_regulator.pk), (2, Decimal("155.00"), ins.gz_regulator.pk)]
    scheme = RatingScheme.objects.get(region_id="440100", year=2027, version=2)
    assert scheme.level_factors == rating.DEFAULT_LEVEL_FACTORS
    assert scheme.inspection_factors == rating.DEFAULT_INSPECTION_FACTORS
    assert scheme.loss_ratio_factors == rating.DEFAULT_LOSS_RATIO_FACTORS
    assert scheme.sections.count() == 4


def test_scheme_form_is_prefilled_from_the_latest_version(web, ins):
    make_scheme("440000", 2026, "140.00", level_factors={**rating.DEFAULT_LEVEL_FACTORS, "5": "0.80"})
    page = text(as_user(web, ins.admin).get("/rating-schemes/new/?region=440000&year=2026"))
    assert 'name="base_rate_per_bed" value="140.00"' in page
    assert 'name="level_factors_5" value="0.80"' in page
    assert "version 2" in page


def test_scheme_form_refuses_bad_tables_next_to_them(web, ins):
    as_user(web, ins.gz_regulator)
    initial = SchemeForm.initial_for(source=ins.gd_scheme, region=region("440100"), year=2027)
    data = scheme_post(initial, name="x", base_rate_per_bed="150", inspection_factors_max_1="0")  # 0 then 0
    response = web.post("/rating-schemes/new/", data)
    assert response.status_code == 200
    assert errors_for(response, "inspection_factors") == ["inspection_factors: bracket bounds must increase"]
    data = scheme_post(initial, name="x", base_rate_per_bed="150", other_deductible="200000")
    assert errors_for(web.post("/rating-schemes/new/", data), "other_deductible") == [
        "The deductible must be below the per-person limit."]
    assert not RatingScheme.objects.filter(year=2027).exists()


def test_a_regulator_cannot_publish_outside_its_city(web, ins):
    initial = SchemeForm.initial_for(source=ins.sx_scheme, region=region("610900"), year=2027)
    response = as_user(web, ins.gz_regulator).post("/rating-schemes/new/", scheme_post(initial, name="x"))
    assert response.status_code == 200 and errors_for(response, "region")
    assert not RatingScheme.objects.filter(year=2027).exists()


# --- coverage -----------------------------------------------------------------------------------


def stat(page: str, name: str) -> str:
    return re.search(rf'data-stat="{name}">([^<]+)<', page).group(1)


def test_coverage_figures_match_the_hand_computed_fixture(web, covered):  # noqa: F811
    page = text(as_user(web, covered.gd_regulator).get("/coverage/"))
    assert (stat(page, "institution_rate"), stat(page, "insured_institutions"), stat(page, "institutions")) == (
        "33.3%", "1", "3")
    assert (stat(page, "bed_rate"), stat(page, "insured_beds"), stat(page, "beds")) == ("26.3%", "100", "380")
    expiring = re.findall(r'href="([^"]+)" data-expiring="(\d+)">\s*<div class="card-body"><div class="stat-value[^"]*">(\d+)<', page)
    assert [(days, count) for _url, days, count in expiring] == [("30", "0"), ("60", "1"), ("90", "1")]
    assert expiring[1][0] == "/policies/?expiring_within=60&amp;region=440000"
    rows = re.findall(r'<tr data-region="(\d+)">\s*<td class="name"><a href="/coverage/\?region=\d+">([^<]+)</a>', page)
    assert rows == [("440100", "广州市"), ("440300", "深圳市")]
    assert "50.0%" in page and "55.6%" in page
    # Uninsured: the registry filtered, and the first ones inline.
    assert 'href="/institutions/?insured=false&amp;is_active=true&amp;region=440000"' in page
    assert re.search(r'id="uninsured-count">2<', page)
    uninsured = re.findall(r'<td class="name"><a href="/institutions/(\d+)/">', page)
    assert sorted(map(int, uninsured)) == sorted([covered.yuexiu.pk, covered.futian.pk])
    # Charts from the vendored Chart.js, fed by json_script; no CDN.
    assert '<script src="/static/vendor/chartjs/chart.umd.min.js"></script>' in page
    assert 'id="coverage-data"' in page and not re.search(r'(src|href)="(https?:)?//', page)
    assert (django_settings.BASE_DIR / "static/vendor/chartjs/chart.umd.min.js").exists()


def test_coverage_drills_down_within_scope(web, covered):  # noqa: F811
    as_user(web, covered.gz_regulator)
    page = text(web.get("/coverage/"))
    trail = re.findall(r'<li class="breadcrumb-item[^"]*"[^>]*>\s*(?:<a href="([^"]+)"[^>]*>)?([^<]+)', page)
    assert [(href, name.strip()) for href, name in trail] == [("", "广东省"), ("", "广州市")]  # no link above its city
    assert re.findall(r'<td class="name"><a href="/coverage/\?region=(\d+)">', page) == ["440104", "440106"]
    page = text(web.get("/coverage/?region=440106"))
    assert 'href="/coverage/?region=440100"' in page  # back up to its city
    assert stat(page, "institutions") == "1" and stat(page, "insured_institutions") == "1"
    assert '<td class="name"><a href="/coverage/' not in page  # a county is the bottom
    assert web.get("/coverage/?region=440000").status_code == 404
    assert web.get("/coverage/?region=610900").status_code == 404
    page = text(as_user(web, covered.admin).get("/coverage/"))
    assert re.findall(r'<td class="name"><a href="/coverage/\?region=(\d+)">', page) == ["440000", "610000"]
    assert 'href="/coverage/"' in text(web.get("/coverage/?region=440100"))  # the country at the root


def test_coverage_export_csv_and_xlsx(web, covered):  # noqa: F811
    as_user(web, covered.gd_regulator)
    response = web.get("/coverage/export/?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"] and ".csv" in response["Content-Disposition"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Region code", "Region", "Institutions"]
    assert rows[1:] == [
        ["440100", "广州市", "2", "1", "50.0", "180", "100", "55.6"],
        ["440300", "深圳市", "1", "0", "0.0", "200", "0", "0.0"],
        ["440000", "Total", "3", "1", "33.3", "380", "100", "26.3"],
    ]
    response = web.get("/coverage/export/?format=xlsx&region=440100")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1] == ["440104", "越秀区", 1, 0, 0.0, 60, 0, 0.0]
    assert values[-1][:3] == ["440100", "Total", 2]
    assert web.get("/coverage/export/?format=pdf").status_code == 404
    assert as_user(web, covered.insurer).get("/coverage/export/?format=csv").status_code == 403


def test_coverage_query_count_is_fixed(web, covered):  # noqa: F811
    as_user(web, covered.gd_regulator)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert web.get("/coverage/").status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    InstitutionFactory.create_batch(25, region=region("440305"))
    InstitutionFactory.create_batch(5, region=region("440604"))
    assert queries() == few


# --- home page ----------------------------------------------------------------------------------


def test_home_cards_follow_the_role(web, ins):
    page = text(as_user(web, ins.gz_institution).get("/"))
    assert stat(page, "insured") == "Not insured" and re.search(r'href="/policies/new/" id="buy"', page)
    start, end = term_covering()
    policy_id = draft(ins, start_date=str(start), end_date=str(end)).json()["id"]
    page = text(as_user(web, ins.insurer).get("/"))
    assert stat(page, "drafts") == "1" and 'href="/policies/?status=draft"' in page
    assert bind(ins, policy_id).status_code == 200
    page = text(as_user(web, ins.gz_institution).get("/"))
    assert stat(page, "insured") == "Insured" and f"until {end:%Y-%m-%d}" in page
    page = text(as_user(web, ins.insurer).get("/"))
    assert (stat(page, "drafts"), stat(page, "unverified")) == ("0", "1")
    page = text(as_user(web, ins.gz_regulator).get("/"))
    assert stat(page, "coverage_rate") == "100.0%" and 'href="/coverage/"' in page
    assert "Institutions insured: 1 of 1" in page

