"""The incident and claim pages: who may open what, what they show, that every write goes through
the claim services (refusals shown where the person can fix them), and that list pages take a
fixed number of queries."""

import csv
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from insurance.models import Claim, ClaimEvent, Incident
from insurance.services import claims as claim_services
from tests.claims.conftest import D, active_policy, advance, claim_in, incident, new_claim, resident, upload
from tests.claims.test_statistics import book  # noqa: F401  (the hand-computed statistics fixture)
from tests.factories import pdf_bytes, term_covering
from tests.pages import as_user, errors_for, text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def row_ids(response, table="claims") -> list[int]:
    body = text(response).split(f'id="{table}"', 1)
    return [int(pk) for pk in re.findall(r'<tr data-id="(\d+)"', body[1])] if len(body) == 2 else []


def stat(page: str, name: str) -> str:
    return re.search(rf'data-stat="{name}">([^<]+)<', page).group(1).strip()


def local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def pdf(name="病历.pdf"):
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def persons_formset(*rows, extra=3) -> dict:
    data = {"persons-TOTAL_FORMS": str(max(len(rows), extra)), "persons-INITIAL_FORMS": "0",
            "persons-MIN_NUM_FORMS": "0", "persons-MAX_NUM_FORMS": "1000"}
    for i, (kind, name, outcome, injury) in enumerate(rows):
        data |= {f"persons-{i}-kind": kind, f"persons-{i}-name": name, f"persons-{i}-outcome": outcome,
                 f"persons-{i}-injury": injury}
    return data


def claim_post(section="general", amount="3000.00", lines=(), documents=()) -> dict:
    data = {"section": section, "claimed_amount": amount, "note": "",
            "lines-TOTAL_FORMS": str(max(len(lines), 2)), "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000",
            "documents-TOTAL_FORMS": str(max(len(documents), 3)), "documents-INITIAL_FORMS": "0",
            "documents-MIN_NUM_FORMS": "0", "documents-MAX_NUM_FORMS": "1000"}
    for i, (person, item, claimed) in enumerate(lines):
        data |= {f"lines-{i}-person": str(person or ""), f"lines-{i}-item": item, f"lines-{i}-claimed_amount": claimed}
    for i, (kind, file) in enumerate(documents):
        data |= {f"documents-{i}-kind": kind, f"documents-{i}-files": file}
    return data


# --- URLs and who opens what ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs", "path"),
    [("incident-list", {}, "/incidents/"), ("incident-create", {}, "/incidents/new/"),
     ("incident-detail", {"pk": 7}, "/incidents/7/"), ("incident-attach", {"pk": 7}, "/incidents/7/attach/"),
     ("incident-responsibility", {"pk": 7}, "/incidents/7/responsibility/"),
     ("claim-create", {"pk": 7}, "/incidents/7/claim/"), ("claim-list", {}, "/claims/"),
     ("claim-export", {}, "/claims/export/"), ("claim-disputes", {}, "/claims/disputes/"),
     ("claim-statistics", {}, "/claims/statistics/"), ("claim-statistics-export", {}, "/claims/statistics/export/"),
     ("claim-detail", {"pk": 7}, "/claims/7/"), ("claim-action", {"pk": 7, "action": "approve"}, "/claims/7/approve/")],
)
def test_page_url_names(name, kwargs, path):
    assert reverse(name, kwargs=kwargs) == path


def test_pages_require_sign_in(web, cw):
    claim = new_claim(cw)
    for url in ("/incidents/", "/incidents/new/", f"/incidents/{claim.incident_id}/", f"/incidents/{claim.incident_id}/claim/",
                "/claims/", "/claims/export/?format=csv", "/claims/disputes/", "/claims/statistics/",
                f"/claims/{claim.pk}/"):
        response = web.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    assert web.post(f"/claims/{claim.pk}/register/")["Location"].startswith("/accounts/login/")
    assert Claim.objects.get(pk=claim.pk).status == "reported"


@pytest.mark.parametrize(
    ("url", "allowed", "refused"),
    [
        ("/incidents/", ["gz_institution", "insurer", "gz_regulator", "gz_inspector", "admin"], []),
        ("/incidents/new/", ["gz_institution"], ["insurer", "gz_regulator", "gz_inspector"]),
        ("/claims/", ["gz_institution", "insurer", "gz_regulator", "admin"], ["gz_inspector"]),
        ("/claims/disputes/", ["gz_regulator", "ak_regulator", "admin"], ["gz_institution", "insurer", "gz_inspector"]),
        ("/claims/statistics/", ["gz_regulator", "insurer", "admin"], ["gz_institution", "gz_inspector"]),
        ("/claims/statistics/export/?format=csv", ["gz_regulator", "insurer"], ["gz_institution", "gz_inspector"]),
    ],
)
def test_who_opens_which_page(web, cw, url, allowed, refused):
    for who in allowed:
        assert as_user(web, getattr(cw, who)).get(url).status_code == 200, who
    for who in refused:
        response = as_user(web, getattr(cw, who)).get(url)
        assert response.status_code == 403, who
        assert 'data-status="403"' in text(response)


@pytest.mark.parametrize("who", ["ak_regulator", "ak_institution", "insurer_b_user", "gz_institution2"])
def test_someone_elses_claim_and_incident_are_404(web, cw, who):
    claim = claim_in(cw, "registered")
    as_user(web, getattr(cw, who))
    assert web.get(f"/claims/{claim.pk}/").status_code == 404
    for action in ("approve", "withdraw", "resolve", "upload"):
        assert web.post(f"/claims/{claim.pk}/{action}/", {"approved_amount": "1", "version": claim.version}).status_code == 404
    if who != "insurer_b_user":  # the other insurer does not see the incident either: no claim of its own
        assert web.get(f"/incidents/{claim.incident_id}/").status_code == 404
    assert web.get(f"/incidents/{claim.incident_id}/claim/").status_code == 404
    assert Claim.objects.get(pk=claim.pk).status == "registered"


def test_an_inspector_reads_the_incident_but_no_claim(web, cw):
    claim = new_claim(cw)
    as_user(web, cw.gz_inspector)
    page = text(web.get(f"/incidents/{claim.incident_id}/"))
    assert "李秀英" in page and claim.number not in page and 'id="file-claim"' not in page
    assert web.get(f"/claims/{claim.pk}/").status_code == 403
    assert web.post(f"/claims/{claim.pk}/register/", {"version": claim.version}).status_code == 403


# --- incidents ---------------------------------------------------------------------------------


def test_incident_list_is_scoped_and_shows_persons_and_claims(web, cw):
    gz = new_claim(cw)
    ak = new_claim(cw, user=cw.ak_institution, policy=cw.ak_policy)
    other = incident(cw.gz_institution2, persons=[resident("赵大爷")])
    response = as_user(web, cw.gz_regulator).get("/incidents/")
    assert sorted(row_ids(response, "incidents")) == sorted([gz.incident_id, other.pk])
    page = text(response)
    assert "李秀英" in page and "Resident · Injury" in page and gz.number in page and ak.number not in page
    # The insurer sees the incidents its claims refer to, and only its own claims on them.
    response = as_user(web, cw.insurer).get("/incidents/")
    assert sorted(row_ids(response, "incidents")) == sorted([gz.incident_id, ak.incident_id])
    assert as_user(web, cw.gz_institution).get("/incidents/?category=choking").status_code == 200
    assert row_ids(web.get("/incidents/?category=choking"), "incidents") == []
    assert row_ids(web.get("/incidents/?category=fall"), "incidents") == [gz.incident_id]


def test_institution_reports_an_incident_with_persons_and_a_photo(web, cw):
    as_user(web, cw.gz_institution)
    page = text(web.get("/incidents/new/"))
    assert 'id="institution-name">天河康乐养老院' in page and 'name="persons-2-name"' in page
    occurred = timezone.now() - timedelta(days=1)
    data = {
        "category": "scald", "occurred_at": local(occurred), "place": "二楼开水间",
        "description": "老人打开水时烫伤左手。", "first_aid": "冷水冲洗", "hospital_transfer": "on",
        "hospital": "天河区人民医院", "family_notified_at": local(occurred + timedelta(hours=1)),
        "family_notified_how": "phone", "attachments": [pdf("现场照片.pdf")],
    } | persons_formset(("resident", "王秀兰", "injury", "左手二度烫伤"), ("staff", "李护理员", "injury", ""))
    response = web.post("/incidents/new/", data)
    reported = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/incidents/{reported.pk}/"
    assert (reported.category, reported.hospital, reported.family_notified_how) == ("scald", "天河区人民医院", "phone")
    assert [(p.kind, p.name) for p in reported.persons.order_by("id")] == [("resident", "王秀兰"), ("staff", "李护理员")]
    page = text(web.get(response["Location"]))
    assert "Incident reported." in page and "王秀兰" in page and "现场照片.pdf" in page
    attachment = reported.attachments.get()
    assert f'href="/api/v1/incidents/{reported.pk}/attachments/{attachment.pk}/"' in page
    assert 'id="file-claim"' in page  # the policy in force covers the day


def test_incident_report_refusals_are_shown_at_their_fields_and_nothing_is_saved(web, cw):
    as_user(web, cw.gz_institution)
    occurred = timezone.now() - timedelta(days=1)
    base = {"category": "fall", "occurred_at": local(occurred), "place": "走廊", "description": "跌倒"} | persons_formset(
        ("resident", "王秀兰", "injury", ""))
    response = web.post("/incidents/new/", base | {"family_notified_how": "phone"})
    assert response.status_code == 200 and errors_for(response, "family_notified_at") == ["Say when the family was told."]
    response = web.post("/incidents/new/", base | {"hospital_transfer": "on"})
    assert errors_for(response, "hospital") == ["Name the hospital the person was taken to."]
    response = web.post("/incidents/new/", base | {"attachments": [SimpleUploadedFile("照片.pdf", b"not a pdf")]})
    assert errors_for(response, "attachments") == ["照片.pdf: The file is not a PDF."]
    response = web.post("/incidents/new/", base | persons_formset(("resident", "", "injury", "")))
    assert response.status_code == 200 and "This field is required." in errors_for(response, "name")
    assert not Incident.objects.exists()


def test_a_regulator_records_the_institutions_responsibility(web, cw):
    event = incident(cw.gz_institution)
    url = f"/incidents/{event.pk}/"
    assert 'id="responsibility-form"' not in text(as_user(web, cw.gz_institution).get(url))
    assert web.post(f"{url}responsibility/", {"responsibility": "main", "note": "x"}).status_code == 403
    as_user(web, cw.gz_regulator)
    response = web.post(f"{url}responsibility/", {"responsibility": "main", "note": "", "version": event.version})
    assert response.status_code == 200 and errors_for(response, "note") == ["This field is required."]
    response = web.post(f"{url}responsibility/", {"responsibility": "secondary", "note": "未落实巡查制度",
                                                  "version": event.version})
    assert response.status_code == 302
    page = text(web.get(url))
    assert 'data-responsibility="secondary"' in page and "未落实巡查制度" in page
    assert f"by {cw.gz_regulator}" in page
    response = web.post(f"{url}responsibility/", {"responsibility": "none", "note": "复核", "version": event.version})
    assert "The record was changed by someone else; reload it and try again." in text(response)
    assert Incident.objects.get(pk=event.pk).responsibility == "secondary"


def test_the_institution_attaches_more_files(web, cw):
    event = incident(cw.gz_institution)
    as_user(web, cw.gz_institution)
    response = web.post(f"/incidents/{event.pk}/attach/", {"files": [pdf("补充照片.pdf"), pdf("说明.pdf")]})
    assert response.status_code == 302 and event.attachments.count() == 2
    assert as_user(web, cw.gz_regulator).post(f"/incidents/{event.pk}/attach/", {"files": [pdf()]}).status_code == 403


# --- filing a claim ----------------------------------------------------------------------------


def test_filing_offers_only_the_sections_of_the_policy_in_force(web, cw):
    start, end = term_covering()
    home = cw.gz_home2
    cw.gz2_policy.__class__.objects.filter(pk=cw.gz2_policy.pk).update(status="cancelled")
    only_general = [{"section": "general", "per_person_limit": D("200000"), "per_accident_limit": D("1000000"),
                     "aggregate_limit": D("3000000"), "deductible": D("500")}]
    policy = active_policy(home, cw.gz_institution2, cw.insurer, start=start, end=end, sections=only_general, number="PG-1")
    event = incident(cw.gz_institution2)
    page = text(as_user(web, cw.gz_institution2).get(f"/incidents/{event.pk}/claim/"))
    assert re.findall(r'name="section" value="(\w+)"', page) == ["general"]
    assert "PG-1" in page and 'id="needed"' in page and "Medical record" in page
    response = web.post(f"/incidents/{event.pk}/claim/", claim_post(documents=[("invoice", pdf("票据.pdf")),
                                                                               ("medical_record", pdf())]))
    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/claims/{claim.pk}/"
    assert (claim.policy_id, claim.section, claim.claimed_amount, claim.status) == (policy.pk, "general", D("3000.00"), "reported")
    assert sorted(claim.documents.values_list("kind", flat=True)) == ["invoice", "medical_record"]
    assert claim.fast_track  # complete documents, under the scheme's 5,000
    page = text(web.get(response["Location"]))
    assert f"Claim {claim.number} reported to {cw.insurer_a.name}." in page
    # The section now claimed is not offered again: nothing is left to claim under.
    page = text(web.get(f"/incidents/{event.pk}/claim/"))
    assert 'id="all-claimed"' in page and 'name="section"' not in page


def test_filing_refusals_from_the_service_are_shown_inline(web, cw):
    event = incident(cw.gz_institution)
    url = f"/incidents/{event.pk}/claim/"
    as_user(web, cw.gz_institution)
    response = web.post(url, claim_post(section="third_party"))
    assert response.status_code == 200
    assert errors_for(response, "section") == ["Third-party liability needs a third party among the persons involved."]
    person = event.persons.get()
    response = web.post(url, claim_post(amount="5000.00", lines=[(person.pk, "medical", "3000.00")]))
    assert errors_for(response, "claimed_amount") == ["Must equal the sum of the lines."]
    assert "The lines add up to 3000.00 but the claim is for 5000.00." in text(response)
    response = web.post(url, claim_post(amount="", documents=[("invoice", SimpleUploadedFile("票据.pdf", b"nope"))]))
    assert errors_for(response, "claimed_amount") == ["Enter the amount claimed, or the lines below."]
    assert "票据.pdf: The file is not a PDF." in errors_for(response, "files")
    assert not Claim.objects.exists()
    # The lines make the amount when it is left empty.
    response = web.post(url, claim_post(amount="", lines=[(person.pk, "medical", "1200.00"), (person.pk, "nursing", "300.00")]))
    claim = Claim.objects.get()
    assert response.status_code == 302 and claim.claimed_amount == D("1500.00") and claim.lines.count() == 2


def test_no_claim_without_a_policy_on_the_incident_date(web, cw):
    event = incident(cw.gz_institution, occurred_at=timezone.now() - timedelta(days=400))
    as_user(web, cw.gz_institution)
    assert 'id="uncovered"' in text(web.get(f"/incidents/{event.pk}/"))
    page = text(web.get(f"/incidents/{event.pk}/claim/"))
    assert 'id="uncovered"' in page and 'id="claim-form"' not in page
    assert as_user(web, cw.gz_regulator).get(f"/incidents/{event.pk}/claim/").status_code == 403


# --- claim list, the insurer's queue, export ------------------------------------------------------


def test_the_insurer_queue_puts_fast_track_first_then_the_oldest(web, cw):
    old_slow = new_claim(cw, amount="8000.00")
    fast = new_claim(cw, amount="2000.00")
    for kind in ("invoice", "medical_record"):
        claim_services.upload_claim_document(actor=cw.gz_institution, claim_id=fast.pk, uploaded=upload(), kind=kind)
    new_slow = new_claim(cw, user=cw.ak_institution, policy=cw.ak_policy, amount="6000.00")
    paid = claim_in(cw, "paid")
    now = timezone.now()
    Claim.objects.filter(pk=old_slow.pk).update(created_at=now - timedelta(days=40))
    Claim.objects.filter(pk=fast.pk).update(created_at=now - timedelta(days=2))
    Claim.objects.filter(pk=new_slow.pk).update(created_at=now - timedelta(days=5))
    response = as_user(web, cw.insurer).get("/claims/")
    assert row_ids(response) == [fast.pk, old_slow.pk, new_slow.pk]  # the paid claim has left the queue
    page = text(response)
    assert "Claims work queue" in page and 'id="queue-order"' in page
    ages = re.findall(r'<td class="num age[^"]*">(\d+)</td>', page)
    assert ages == ["2", "40", "5"]
    assert 'class="num age text-danger fw-semibold">40<' in page  # open for more than 30 days
    missing = re.findall(r'<td class="num missing">(?:<span[^>]*>)?(\d+)<', page)
    assert missing == ["0", "2", "2"]  # invoice and medical record missing on the slow ones
    # "Any" shows finished claims too; an explicit order replaces the queue's.
    assert paid.pk in row_ids(web.get("/claims/?open="))
    assert row_ids(web.get("/claims/?ordering=-claimed_amount")) == [old_slow.pk, new_slow.pk, fast.pk]


def test_claim_list_is_scoped_and_filters(web, cw):
    gz = claim_in(cw, "registered")
    gz2 = new_claim(cw, user=cw.gz_institution2, policy=cw.gz2_policy, section="general", amount="900.00")
    ak = new_claim(cw, user=cw.ak_institution, policy=cw.ak_policy)
    as_user(web, cw.gz_regulator)
    assert sorted(row_ids(web.get("/claims/"))) == sorted([gz.pk, gz2.pk])
    assert row_ids(web.get("/claims/?status=registered")) == [gz.pk]
    assert row_ids(web.get(f"/claims/?insurer={cw.insurer_b.code}")) == [gz2.pk]
    assert row_ids(web.get(f"/claims/?q={gz.number}")) == [gz.pk]
    assert row_ids(web.get("/claims/?section=other")) == []
    assert row_ids(web.get("/claims/?region=12")) == []  # a filter error shows no rows
    assert "No claims match these filters." in text(web.get("/claims/?section=other"))
    assert row_ids(as_user(web, cw.ak_institution).get("/claims/")) == [ak.pk]
    assert row_ids(as_user(web, cw.admin).get(f"/claims/?institution={cw.gz_home2.pk}")) == [gz2.pk]


def test_claim_export_csv_and_xlsx(web, cw):
    paid = claim_in(cw, "paid", amount="2500.00")
    open_claim = new_claim(cw, user=cw.gz_institution2, policy=cw.gz2_policy, amount="900.00")
    as_user(web, cw.gz_regulator)
    response = web.get("/claims/export/?format=csv&ordering=number")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Claim number", "Institution", "USCC", "Region code"]
    by_number = {row[0]: row for row in rows[1:]}
    assert set(by_number) == {paid.number, open_claim.number}
    assert by_number[paid.number][9:11] == ["Paid", "No"] and by_number[paid.number][14:17] == ["2500.00", "2500.00", "2500.00"]
    assert by_number[open_claim.number][12:14] == ["0", "2"]  # days open, missing documents
    response = web.get("/claims/export/?format=xlsx&status=paid")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(values) == 2 and values[1][0] == paid.number and values[1][14:17] == [2500.0, 2500.0, 2500.0]
    assert web.get("/claims/export/?format=pdf").status_code == 404


def test_list_pages_take_a_fixed_number_of_queries(web, cw, django_assert_max_num_queries):
    def counted(user, url):
        as_user(web, user)
        with CaptureQueriesContext(connection) as ctx:
            assert web.get(url).status_code == 200
        return len(ctx.captured_queries)

    claim_in(cw, "disputed")
    pages = [(cw.insurer, "/claims/?open="), (cw.gz_regulator, "/claims/"), (cw.gz_institution, "/claims/"),
             (cw.gz_regulator, "/incidents/"), (cw.insurer, "/incidents/"), (cw.gz_regulator, "/claims/disputes/")]
    baseline = [counted(user, url) for user, url in pages]
    for _ in range(4):
        claim = new_claim(cw, amount="1200.00")
        claim_services.upload_claim_document(actor=cw.gz_institution, claim_id=claim.pk, uploaded=upload(), kind="invoice")
        for action in ("register", "approve", "dispute"):
            advance(cw, claim, action)
        incident(cw.gz_institution, persons=[resident("甲"), resident("乙")])
    for (user, url), queries in zip(pages, baseline):
        as_user(web, user)
        with django_assert_max_num_queries(queries):
            assert web.get(url).status_code == 200


# --- claim detail and actions --------------------------------------------------------------------


def test_detail_shows_amounts_lines_documents_timeline_and_the_pdf(web, cw):
    claim = claim_in(cw, "paid", amount="2800.00")
    claim_services.upload_claim_document(actor=cw.gz_institution, claim_id=claim.pk, uploaded=upload("票据.pdf"),
                                         kind="invoice")
    document = claim.documents.get()
    page = text(as_user(web, cw.gz_institution).get(f"/claims/{claim.pk}/"))
    assert f"Claim {claim.number}" in page and 'data-status="paid"' in page
    assert 'id="claimed">2,800.00<' in page and 'id="approved">2,800.00<' in page and 'id="paid">2,800.00<' in page
    line = claim.lines.get()
    assert re.search(rf'<tr data-line="{line.pk}"><td>李秀英</td><td>Medical costs', page)
    assert f'href="/api/v1/claims/{claim.pk}/documents/{document.pk}/"' in page and "票据.pdf" in page
    assert "Still missing: Medical record" in page
    assert f'href="/api/v1/claims/{claim.pk}/summary.pdf"' in page
    assert re.findall(r'<li data-action="([\w-]+)">', page) == ["create", "register", "approve", "pay"]
    assert "Reported → Registered" in page and "paid 2800.00" in page and "reference PAY-001" in page
    assert "Paid 2,800.00 yuan on" in page
    # The document downloads only through the scope-checking view.
    assert as_user(web, cw.gz_institution).get(f"/api/v1/claims/{claim.pk}/documents/{document.pk}/").status_code == 200
    assert as_user(web, cw.ak_institution).get(f"/api/v1/claims/{claim.pk}/documents/{document.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("state", "who", "offered"),
    [
        ("reported", "insurer", {"register", "upload"}),
        ("reported", "gz_institution", {"withdraw", "upload"}),
        ("reported", "gz_regulator", set()),
        ("registered", "insurer", {"request-documents", "approve", "reject", "upload"}),
        ("documents_requested", "gz_institution", {"submit-documents", "withdraw", "upload"}),
        ("approved", "insurer", {"pay", "upload"}),
        ("approved", "gz_institution", {"dispute", "upload"}),
        ("disputed", "gz_regulator", {"resolve"}),
        ("disputed", "insurer", {"upload"}),
        ("closed", "insurer", {"reopen"}),
        ("withdrawn", "gz_institution", set()),
    ],
)
def test_detail_offers_exactly_the_actions_the_user_may_take_now(web, cw, state, who, offered):
    claim = claim_in(cw, state)
    page = text(as_user(web, getattr(cw, who)).get(f"/claims/{claim.pk}/"))
    shown = set(re.findall(r'<form method="post" action="/claims/\d+/([\w-]+)/"', page))
    assert shown == offered
    assert f'name="version" value="{claim.version}"' in page or not offered
    if not offered:
        assert 'id="no-actions"' in page


def post(web, claim, action, **data):
    claim.refresh_from_db()
    return web.post(f"/claims/{claim.pk}/{action}/", {"version": claim.version, "note": ""} | data)


def test_the_whole_way_through_the_pages(web, cw):
    claim = new_claim(cw, amount="3000.00")
    as_user(web, cw.insurer)
    response = post(web, claim, "register", reference="INS-77")
    assert response.status_code == 302 and response["Location"] == f"/claims/{claim.pk}/"
    assert "The claim is registered." in text(web.get(response["Location"]))
    assert post(web, claim, "request-documents", note="").status_code == 200  # a note is required
    assert post(web, claim, "request-documents", note="请补充病历").status_code == 302

    as_user(web, cw.gz_institution)
    response = post(web, claim, "submit-documents", kind="medical_record")
    assert errors_for(response, "files") == ["No document since the request."]
    response = post(web, claim, "submit-documents", kind="medical_record", files=[pdf()])
    assert response.status_code == 302 and claim.documents.get().kind == "medical_record"

    as_user(web, cw.insurer)
    response = post(web, claim, "approve", approved_amount="2500.00", note="核定")
    assert response.status_code == 302
    response = post(web, claim, "pay", paid_amount="2500.00", paid_on=timezone.localdate().isoformat(), reference="")
    assert errors_for(response, "reference") == ["This field is required."]
    response = post(web, claim, "pay", paid_amount="2500.00", paid_on=timezone.localdate().isoformat(), reference="PAY-9")
    assert response.status_code == 302
    assert post(web, claim, "close").status_code == 302
    assert post(web, claim, "reopen", note="新的医疗费用").status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.insurer_reference, claim.paid_amount, claim.reopen_count) == ("registered", "INS-77", D("2500.00"), 1)
    actions = list(ClaimEvent.objects.filter(claim=claim).order_by("id").values_list("action", "actor"))
    assert actions == [("create", cw.gz_institution.pk), ("register", cw.insurer.pk), ("request-documents", cw.insurer.pk),
                       ("submit-documents", cw.gz_institution.pk), ("approve", cw.insurer.pk), ("pay", cw.insurer.pk),
                       ("close", cw.insurer.pk), ("reopen", cw.insurer.pk)]


def test_approve_per_line_and_over_the_limit(web, cw):
    event = incident(cw.gz_institution, persons=[resident("甲"), resident("乙")])
    first, second = event.persons.order_by("id")
    claim = claim_services.create_claim(
        actor=cw.gz_institution, policy_id=cw.gz_policy.pk, incident_id=event.pk, section="general",
        claimed_amount=D("300000.00"), lines=[claim_services.LineData("medical", D("250000.00"), first.pk),
                                              claim_services.LineData("medical", D("50000.00"), second.pk)],
    )
    advance(cw, claim, "register")
    as_user(web, cw.insurer)
    page = text(web.get(f"/claims/{claim.pk}/"))
    lines = list(claim.lines.order_by("id"))
    assert f'name="line_{lines[0].pk}_approved"' in page and 'id="approve-room"' in page
    assert "At most 999,500.00 yuan for this claim (per person 199,500.00" in page
    response = post(web, claim, "approve", approved_amount="", **{f"line_{lines[0].pk}_approved": "250000.00",
                                                                   f"line_{lines[1].pk}_approved": "40000.00"})
    assert response.status_code == 200
    assert "250000.00 for 甲 exceeds the per-person limit net of the deductible: 199500.00 remaining." in errors_for(
        response, "approved_amount")
    response = post(web, claim, "approve", approved_amount="", **{
        f"line_{lines[0].pk}_approved": "199500.00", f"line_{lines[1].pk}_approved": "40000.00",
        f"line_{lines[1].pk}_reason": "insufficient_documents"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.approved_amount == D("239500.00")
    assert [(line.approved_amount, line.rejection_reason) for line in claim.lines.order_by("id")] == [
        (D("199500.00"), ""), (D("40000.00"), "insufficient_documents")]


def test_reject_dispute_and_mediation(web, cw):
    claim = claim_in(cw, "registered")
    as_user(web, cw.insurer)
    assert errors_for(post(web, claim, "reject", reason=""), "reason") == ["This field is required."]
    assert post(web, claim, "reject", reason="excluded", note="除外责任").status_code == 302
    as_user(web, cw.gz_institution)
    assert post(web, claim, "dispute", note="不属于除外责任").status_code == 302
    queue = text(as_user(web, cw.gz_regulator).get("/claims/disputes/"))
    assert claim.number in queue and "不属于除外责任" in queue
    response = post(web, claim, "resolve", outcome="approved", note="调解达成一致", approved_amount="2000.00")
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.approved_amount) == ("approved", D("2000.00"))
    dispute = claim.disputes.get()
    assert (dispute.outcome, dispute.mediator, dispute.approved_after) == ("approved", cw.gz_regulator, D("2000.00"))
    assert "No dispute is waiting for mediation." in text(web.get("/claims/disputes/"))
    assert "调解达成一致" in text(web.get(f"/claims/{claim.pk}/"))


def test_withdraw_and_upload(web, cw):
    claim = new_claim(cw)
    as_user(web, cw.gz_institution)
    response = post(web, claim, "upload", kind="invoice", files=[pdf("票据.pdf"), pdf("票据2.pdf")])
    assert response.status_code == 302 and claim.documents.count() == 2
    assert post(web, claim, "withdraw", note="家属放弃索赔").status_code == 302
    assert Claim.objects.get(pk=claim.pk).status == "withdrawn"


def test_a_stale_form_says_so_and_changes_nothing(web, cw):
    claim = claim_in(cw, "registered")
    old = claim.version
    claim_services.upload_claim_document(actor=cw.gz_institution, claim_id=claim.pk, uploaded=upload(), kind="invoice")
    as_user(web, cw.insurer)
    response = web.post(f"/claims/{claim.pk}/approve/", {"version": old, "approved_amount": "3000.00", "note": ""})
    page = text(response)
    assert response.status_code == 200 and 'id="stale"' in page
    assert "Someone else changed this claim while you were looking at it" in page
    assert "The record was changed by someone else; reload it and try again." in page
    claim.refresh_from_db()
    assert claim.status == "registered" and claim.approved_amount is None
    # The form now carries the current version: sending it again is a deliberate choice, and works.
    assert re.search(rf'id="approve-form".*?name="version" value="{claim.version}"', page, re.S)
    response = web.post(f"/claims/{claim.pk}/approve/", {"version": claim.version, "approved_amount": "3000.00"})
    assert response.status_code == 302 and Claim.objects.get(pk=claim.pk).status == "approved"


def test_an_action_the_state_no_longer_allows_goes_back_with_a_message(web, cw):
    claim = claim_in(cw, "registered")
    as_user(web, cw.insurer)
    response = post(web, claim, "register")
    assert response.status_code == 302 and response["Location"] == f"/claims/{claim.pk}/"
    assert "This is no longer possible: the claim is now “Registered”." in text(web.get(response["Location"]))
    assert ClaimEvent.objects.filter(claim=claim, action="register").count() == 1


@pytest.mark.parametrize(
    ("state", "who", "action"),
    [("registered", "gz_institution", "approve"), ("reported", "gz_regulator", "register"),
     ("approved", "insurer", "dispute"), ("disputed", "insurer", "resolve"), ("reported", "gz_regulator", "upload"),
     ("reported", "insurer", "withdraw")],
)
def test_roles_that_may_not_act_get_403(web, cw, state, who, action):
    claim = claim_in(cw, state)
    response = post(as_user(web, getattr(cw, who)), claim, action, approved_amount="100.00", outcome="closed", note="x",
                    files=[pdf()], kind="invoice")
    assert response.status_code == 403
    assert Claim.objects.get(pk=claim.pk).version == claim.version


def test_an_action_opened_by_get_goes_back_to_the_claim(web, cw):
    claim = new_claim(cw)
    response = as_user(web, cw.insurer).get(f"/claims/{claim.pk}/register/")
    assert response.status_code == 302 and response["Location"] == f"/claims/{claim.pk}/"
    assert as_user(web, cw.insurer).post(f"/claims/{claim.pk}/explode/").status_code == 404


# --- dispute queue -----------------------------------------------------------------------------


def test_the_dispute_queue_is_the_regions_oldest_first(web, cw):
    empty = text(as_user(web, cw.gz_regulator).get("/claims/disputes/"))
    assert "Claims disputes awaiting mediation" in empty and 'id="empty"' in empty
    newer = claim_in(cw, "disputed")
    older = claim_in(cw, "disputed", user=cw.gz_institution2, policy=cw.gz2_policy)
    elsewhere = claim_in(cw, "disputed", user=cw.ak_institution, policy=cw.ak_policy)
    older.disputes.update(raised_at=timezone.now() - timedelta(days=12))
    response = web.get("/claims/disputes/")
    assert row_ids(response, "disputes") == [older.pk, newer.pk]
    assert "12" in re.findall(r'<td class="num[^"]*">(\d+)</td>', text(response))
    assert row_ids(as_user(web, cw.ak_regulator).get("/claims/disputes/"), "disputes") == [elsewhere.pk]


# --- statistics --------------------------------------------------------------------------------


def test_statistics_page_shows_the_hand_computed_figures(web, book):  # noqa: F811
    page = text(as_user(web, book.admin).get("/claims/statistics/"))
    assert (stat(page, "count"), stat(page, "claimed"), stat(page, "approved"), stat(page, "paid")) == (
        "4", "23,000", "8,500", "2,500")
    assert stat(page, "loss_ratio") == "9.16%"  # 2,500 ÷ 27,300
    assert stat(page, "open_over_30_days") == "1"
    status_rows = re.findall(r'<tr data-key="(\w+)">\s*<td class="label">([^<]+)</td><td class="num text-nowrap">(\d+)</td>',
                             page.split('id="by_status"')[1].split("</table>")[0])
    assert status_rows == [("approved", "Approved", "1"), ("paid", "Paid", "1"), ("registered", "Registered", "1"),
                           ("rejected", "Rejected", "1")]
    evaluation = page.split('id="insurer_evaluation"')[1].split("</table>")[0]
    assert f'data-key="{book.insurer_a.code}"' in evaluation and "11.90%" in evaluation and "21,000.00" in evaluation
    durations = page.split('id="durations"')[1].split("</table>")[0]
    assert re.findall(r'<td class="num text-nowrap">([\d.]+)</td>', durations)[:3] == ["4", "1.5", "2.7"]
    # Drill-down: provinces link to their own page; charts fed by json_script from the vendored Chart.js.
    assert '<a href="/claims/statistics/?region=440000">广东省</a>' in page
    assert 'id="claims-data"' in page and "/static/js/claims-charts.js" in page
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_statistics_follow_the_regulators_region_and_the_year(web, book):  # noqa: F811
    as_user(web, book.gz_regulator)
    page = text(web.get("/claims/statistics/"))
    assert stat(page, "count") == "3" and "Claims statistics · 广州市" in page
    assert '<a href="/claims/statistics/?region=440106">天河区</a>' in page
    page = text(web.get("/claims/statistics/?region=440106"))
    assert 'href="/claims/statistics/?region=440100"' in page  # back up to its city
    assert web.get("/claims/statistics/?region=610900").status_code == 404
    page = text(web.get(f"/claims/statistics/?year={book.year - 5}"))
    assert stat(page, "count") == "0" and stat(page, "loss_ratio") == "—"
    assert f'<option value="{book.year}"' in page
    insurer_page = text(as_user(web, book.insurer_b_user).get("/claims/statistics/"))
    assert stat(insurer_page, "count") == "1" and "All regions" in insurer_page


def test_statistics_export_csv_and_xlsx(web, book):  # noqa: F811
    as_user(web, book.admin)
    response = web.get("/claims/statistics/export/?format=csv")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["By status"] and rows[1] == ["Code", "Status", "Number of claims", "Claimed", "Approved", "Paid"]
    assert ["paid", "Paid", "1", "3000.00", "2500.00", "2500.00"] in rows
    loss = rows.index(["Loss ratio by insurer"])
    assert rows[loss + 2] == [book.insurer_a.code, book.insurer_a.name, "21000.00", "2500.00", "11.90"]
    assert ["Report to registration", "4", "1.50", "2.70"] in rows
    response = web.get(f"/claims/statistics/export/?format=xlsx&region=440000&year={book.year}")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[:3] == ["By status", "By section", "By incident category"]
    evaluation = [[cell.value for cell in row] for row in workbook[workbook.sheetnames[-1]].iter_rows()]
    assert evaluation[0][:3] == ["Code", "Insurer", "Number of claims"]
    assert sorted(row[2] for row in evaluation[1:]) == [1, 2]  # 广东: A has 2 claims, B has 1
    assert web.get("/claims/statistics/export/?format=pdf").status_code == 404


def test_statistics_page_takes_a_fixed_number_of_queries(web, book, django_assert_max_num_queries):  # noqa: F811
    as_user(web, book.gz_regulator)
    with CaptureQueriesContext(connection) as ctx:
        web.get("/claims/statistics/")
    for _ in range(3):
        claim = new_claim(book, amount="1000.00")
        for action in ("register", "approve", "pay"):
            advance(book, claim, action)
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        assert web.get("/claims/statistics/").status_code == 200


# --- home page ---------------------------------------------------------------------------------


def test_home_cards_count_claims_for_each_role(web, cw):
    fast = new_claim(cw, amount="2000.00")
    for kind in ("invoice", "medical_record"):
        claim_services.upload_claim_document(actor=cw.gz_institution, claim_id=fast.pk, uploaded=upload(), kind=kind)
    claim_in(cw, "documents_requested")
    claim_in(cw, "disputed")
    claim_in(cw, "paid")
    page = text(as_user(web, cw.insurer).get("/"))
    assert (stat(page, "queue"), stat(page, "fast_track")) == ("3", "1")
    assert 'href="/claims/?open=true&amp;fast_track=true"' in page
    page = text(as_user(web, cw.gz_institution).get("/"))
    assert (stat(page, "open_claims"), stat(page, "documents_requested")) == ("3", "1")
    assert 'href="/incidents/new/" id="report-incident"' in page
    page = text(as_user(web, cw.gz_regulator).get("/"))
    assert stat(page, "disputes") == "1" and 'href="/claims/disputes/"' in page
    assert stat(text(as_user(web, cw.ak_regulator).get("/")), "disputes") == "0"
    assert 'id="claim-cards"' not in text(as_user(web, cw.gz_inspector).get("/"))


def test_amounts_on_the_list_are_grouped_money(web, cw):
    claim_in(cw, "approved", amount="1234.50")
    page = text(as_user(web, cw.gz_institution).get("/claims/"))
    assert page.count('<td class="num">1,234.50</td>') == 2  # claimed and approved
