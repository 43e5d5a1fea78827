"""The claims API as machine clients use it: scoping, polling, idempotency, versions, uploads,
query counts and the schema."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from accounts.services import issue_api_key
from insurance.models import Claim, ClaimDocument, Payment
from insurance.services import claims as claim_services
from tests.claims.conftest import advance, claim_in, new_claim
from tests.conftest import client_for
from tests.factories import pdf_bytes

pytestmark = pytest.mark.django_db
CLAIMS = "/api/v1/claims/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def book(cw):
    """One claim per home: 天河 (insurer A), 天河 second home (insurer B), 汉滨 (insurer A)."""
    cw.gz_claim = new_claim(cw)
    cw.gz2_claim = new_claim(cw, user=cw.gz_institution2, policy=cw.gz2_policy)
    cw.ak_claim = new_claim(cw, user=cw.ak_institution, policy=cw.ak_policy)
    return cw


@pytest.mark.parametrize(
    "who, sees",
    [
        ("admin", {"gz_claim", "gz2_claim", "ak_claim"}),
        ("gz_regulator", {"gz_claim", "gz2_claim"}),
        ("ak_regulator", {"ak_claim"}),
        ("gz_inspector", set()),
        ("gz_institution", {"gz_claim"}),
        ("gz_institution2", {"gz2_claim"}),
        ("insurer", {"gz_claim", "ak_claim"}),
        ("insurer_b_user", {"gz2_claim"}),
    ],
)
def test_scoping_matrix(book, who, sees):
    client = client_for(getattr(book, who))
    listed = {c["id"] for c in client.get(CLAIMS, {"page_size": 500}).json()["results"]}
    assert listed == {getattr(book, name).pk for name in sees}
    for name in ("gz_claim", "gz2_claim", "ak_claim"):
        claim = getattr(book, name)
        assert client.get(f"{CLAIMS}{claim.pk}/").status_code == (200 if name in sees else 404), name
        assert client.get(f"{CLAIMS}{claim.pk}/summary.pdf").status_code == (200 if name in sees else 404), name


def test_an_insurer_cannot_act_on_another_insurers_claim(book):
    response = client_for(book.insurer_b_user).post(f"{CLAIMS}{book.gz_claim.pk}/register/", {})
    assert response.status_code == 404
    assert Claim.objects.get(pk=book.gz_claim.pk).status == "reported"


def test_filters(book):
    admin = client_for(book.admin)
    assert admin.get(CLAIMS, {"insurer": book.insurer_b.code}).json()["count"] == 1
    assert admin.get(CLAIMS, {"institution": book.gz_home.pk}).json()["count"] == 1
    assert admin.get(CLAIMS, {"policy": book.ak_policy.pk}).json()["count"] == 1
    assert admin.get(CLAIMS, {"region": "610000"}).json()["count"] == 1
    assert admin.get(CLAIMS, {"status": "reported", "section": "general"}).json()["count"] == 3
    assert admin.get(CLAIMS, {"open": "true"}).json()["count"] == 3
    assert admin.get(CLAIMS, {"q": book.gz_claim.number}).json()["count"] == 1
    assert admin.get(CLAIMS, {"status": "nonsense"}).status_code == 400
    assert admin.get(CLAIMS, {"policy": "-1"}).status_code == 400


def test_updated_since_polling_sees_only_what_changed(book):
    client = client_for(book.insurer)
    mark = timezone.now()
    assert client.get(CLAIMS, {"updated_since": mark.isoformat()}).json()["count"] == 0
    client.post(f"{CLAIMS}{book.ak_claim.pk}/register/", {})
    changed = client.get(CLAIMS, {"updated_since": mark.isoformat()}).json()
    assert [c["id"] for c in changed["results"]] == [book.ak_claim.pk]
    assert changed["results"][0]["status"] == "registered"
    # A document added by the institution is a change too.
    later = timezone.now()
    client_for(book.gz_institution).post(f"{CLAIMS}{book.gz_claim.pk}/documents/",
                                         {"file": SimpleUploadedFile("票据.pdf", pdf_bytes()), "kind": "invoice"},
                                         format="multipart")
    assert [c["id"] for c in client.get(CLAIMS, {"updated_since": later.isoformat()}).json()["results"]] == [
        book.gz_claim.pk]


def test_bearer_keys_work_for_the_insurer_api(book):
    _, raw = issue_api_key(user=book.insurer)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    listed = api.get(CLAIMS).json()
    assert listed["count"] == 2
    incident_id = listed["results"][0]["incident"]
    assert api.get(f"/api/v1/incidents/{incident_id}/").status_code == 200
    registered = api.post(f"{CLAIMS}{book.gz_claim.pk}/register/", {"reference": "PICC-2026-1"},
                          content_type="application/json", HTTP_IF_MATCH='"1"')
    assert registered.status_code == 200 and registered.json()["insurer_reference"] == "PICC-2026-1"


def test_idempotent_claim_creation(cw):
    from tests.claims.conftest import incident

    event = incident(cw.gz_institution)
    body = {"policy": cw.gz_policy.pk, "incident": event.pk, "section": "general", "claimed_amount": "3000.00"}
    client = client_for(cw.gz_institution)
    first = client.post(CLAIMS, body, format="json", HTTP_IDEMPOTENCY_KEY="claim-key-1")
    second = client.post(CLAIMS, body, format="json", HTTP_IDEMPOTENCY_KEY="claim-key-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"] and second["Idempotent-Replayed"] == "true"
    assert Claim.objects.count() == 1
    other = client.post(CLAIMS, body | {"claimed_amount": "2000.00"}, format="json", HTTP_IDEMPOTENCY_KEY="claim-key-1")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"


def test_idempotent_incident_creation(cw):
    client = client_for(cw.gz_institution)
    body = {"occurred_at": (timezone.now() - timedelta(hours=5)).isoformat(), "category": "scald",
            "place": "浴室", "description": "洗浴水温过高", "persons": [{"kind": "resident", "name": "赵", "outcome": "injury"}]}
    first = client.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY="inc-1")
    second = client.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY="inc-1")
    assert first.json()["id"] == second.json()["id"]


def test_idempotent_pay(cw):
    claim = claim_in(cw, "approved")
    client = client_for(cw.insurer)
    body = {"paid_amount": "3000.00", "paid_on": timezone.localdate().isoformat(), "reference": "BANK-7"}
    first = client.post(f"{CLAIMS}{claim.pk}/pay/", body, format="json", HTTP_IDEMPOTENCY_KEY="pay-7")
    again = client.post(f"{CLAIMS}{claim.pk}/pay/", body, format="json", HTTP_IDEMPOTENCY_KEY="pay-7")
    assert first.status_code == again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert first.json() == again.json()
    assert Payment.objects.filter(claim=claim).count() == 1
    without_key = client.post(f"{CLAIMS}{claim.pk}/pay/", body, format="json")
    assert without_key.status_code == 409  # already paid
    assert Payment.objects.filter(claim=claim).count() == 1


def test_if_match_on_transitions(cw):
    claim = new_claim(cw)
    client = client_for(cw.insurer)
    assert client.post(f"{CLAIMS}{claim.pk}/register/", {}, HTTP_IF_MATCH='"7"').status_code == 412
    assert client.post(f"{CLAIMS}{claim.pk}/register/", {}, HTTP_IF_MATCH="seven").status_code == 400
    ok = client.post(f"{CLAIMS}{claim.pk}/register/", {}, HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.post(f"{CLAIMS}{claim.pk}/approve/", {"approved_amount": "100.00"}, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412 and stale.json()["code"] == "stale_version"
    assert Claim.objects.get(pk=claim.pk).status == "registered"


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", [f"{CLAIMS}?page_size=500", "/api/v1/incidents/?page_size=500"])
@pytest.mark.parametrize("who", ["insurer", "gz_regulator", "gz_institution"])
def test_list_queries_do_not_grow_with_the_data(cw, url, who):
    client = client_for(getattr(cw, who))
    claim_in(cw, "paid")
    few = count_queries(client, url)
    for state in ("disputed", "closed", "documents_requested"):
        claim_in(cw, state)
    for _ in range(3):
        claim = new_claim(cw)
        client_for(cw.gz_institution).post(f"{CLAIMS}{claim.pk}/documents/",
                                           {"file": SimpleUploadedFile("票据.pdf", pdf_bytes()), "kind": "invoice"},
                                           format="multipart")
    assert count_queries(client, url) == few
    # count, the page's ids, its rows, lines, documents, events, disputes, and the persons and users they name
    assert few <= 9


def png_bytes():
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    "name, data, code",
    [
        ("病历.pdf", b"this is only text, renamed to pdf", "not_a_pdf"),
        ("病历.pdf", b"%PDF-1.7\n garbage without objects", "corrupt_pdf"),
        ("现场.jpg", b"\xff\xd8\xff\xe0 not really a jpeg", "not_an_image"),
        ("现场.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not_an_image"),
        ("说明.docx", b"PK\x03\x04 word document", "unsupported_file"),
    ],
)
def test_uploads_are_checked_by_content(cw, name, data, code):
    claim = new_claim(cw)
    response = client_for(cw.gz_institution).post(f"{CLAIMS}{claim.pk}/documents/",
                                                  {"file": SimpleUploadedFile(name, data), "kind": "photo"},
                                                  format="multipart")
    assert response.status_code == 400 and response.json()["code"] == code, response.json()
    assert not ClaimDocument.objects.exists()


def test_uploads_are_size_limited(cw, monkeypatch):
    monkeypatch.setattr(claim_services, "ATTACHMENT_MAX_BYTES", 1000)
    claim = new_claim(cw)
    response = client_for(cw.gz_institution).post(
        f"{CLAIMS}{claim.pk}/documents/",
        {"file": SimpleUploadedFile("大图.png", b"\x89PNG" + b"0" * 2000), "kind": "photo"}, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "file_too_large"


def test_documents_are_stored_under_generated_names_and_served_in_scope(cw):
    claim = new_claim(cw)
    client = client_for(cw.gz_institution)
    photo = client.post(f"{CLAIMS}{claim.pk}/documents/",
                        {"file": SimpleUploadedFile("现场照片.png", png_bytes()), "kind": "photo"}, format="multipart")
    assert photo.status_code == 201, photo.json()
    assert (photo.json()["content_type"], photo.json()["kind"]) == ("image/png", "photo")
    stored = ClaimDocument.objects.get()
    assert "现场" not in stored.file.name and stored.file.name.endswith(".png")
    assert client_for(cw.insurer).get(photo.json()["url"]).status_code == 200
    assert client_for(cw.gz_regulator).get(photo.json()["url"])["Content-Type"] == "image/png"
    for outsider in ("ak_institution", "insurer_b_user", "ak_regulator", "gz_inspector"):
        assert client_for(getattr(cw, outsider)).get(photo.json()["url"]).status_code == 404, outsider
    assert client_for(cw.gz_regulator).post(f"{CLAIMS}{claim.pk}/documents/", {
        "file": SimpleUploadedFile("x.pdf", pdf_bytes()), "kind": "other"}, format="multipart").status_code == 403
    advance(cw, claim, "withdraw")
    late = client.post(f"{CLAIMS}{claim.pk}/documents/", {"file": SimpleUploadedFile("x.pdf", pdf_bytes()),
                                                          "kind": "other"}, format="multipart")
    assert late.status_code == 409


def test_incident_attachments(cw):
    claim = new_claim(cw)
    url = f"/api/v1/incidents/{claim.incident_id}/attachments/"
    client = client_for(cw.gz_institution)
    assert client.post(url, {"file": SimpleUploadedFile("x.jpg", b"not an image")}, format="multipart").status_code == 400
    ok = client.post(url, {"file": SimpleUploadedFile("现场.png", png_bytes())}, format="multipart")
    assert ok.status_code == 201
    assert client_for(cw.insurer).get(ok.json()["url"]).status_code == 200  # through its claim
    assert client_for(cw.insurer_b_user).get(ok.json()["url"]).status_code == 404
    assert client_for(cw.insurer).post(url, {"file": SimpleUploadedFile("p.png", png_bytes())},
                                       format="multipart").status_code == 403


def test_the_schema_documents_every_claim_action_with_body_and_errors():
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    bodies = {
        "register": "RegisterRequest", "request-documents": "RequiredNoteRequest", "approve": "ApproveRequest",
        "reject": "RejectRequest", "pay": "PayRequest", "close": "NoteRequest", "withdraw": "NoteRequest",
        "dispute": "RequiredNoteRequest", "resolve": "ResolveRequest", "reopen": "RequiredNoteRequest",
        "submit-documents": None, "documents": None,
    }
    for action, component in bodies.items():
        operation = paths[f"/api/v1/claims/{{id}}/{action}/"]["post"]
        assert {"400", "403", "404", "409", "412"} <= set(operation["responses"]), action
        assert "200" in operation["responses"] or "201" in operation["responses"]
        content = operation["requestBody"]["content"]
        if component:
            assert content["application/json"]["schema"]["$ref"].endswith(component), action
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert {"If-Match", "Idempotency-Key"} <= headers
    assert "multipart/form-data" in paths["/api/v1/claims/{id}/submit-documents/"]["post"]["requestBody"]["content"]
    assert "/api/v1/claims/{id}/summary.pdf" in paths
    assert "/api/v1/claims/statistics/" in paths
    listing = {p["name"] for p in paths["/api/v1/claims/"]["get"]["parameters"]}
    assert {"policy", "institution", "insurer", "status", "section", "updated_since", "ordering"} <= listing
    incident_params = {p["name"] for p in paths["/api/v1/incidents/"]["get"]["parameters"]}
    assert {"institution", "category", "occurred_after", "occurred_before", "updated_since"} <= incident_params
    pay = schema["components"]["schemas"]["PayRequest"]
    assert set(pay["required"]) == {"paid_amount", "paid_on", "reference"}


@pytest.mark.parametrize(
    "url, params, count",
    [
        ("/api/v1/incidents/", {"occurred_after": "0001-01-01T00:00:00+05:00"}, 1),
        ("/api/v1/incidents/", {"occurred_before": "0001-01-01T00:00:00+05:00"}, 0),
        ("/api/v1/incidents/", {"occurred_after": "0722-11-25T09:22:42+23:55"}, 1),  # PostgreSQL refuses +23:55
        ("/api/v1/incidents/", {"occurred_before": "9999-12-31T23:59:59-05:00"}, 1),
        (CLAIMS, {"updated_since": "9999-12-31T23:59:59-05:00"}, 0),
        (CLAIMS, {"updated_since": "0001-01-01T00:00:00+05:00"}, 1),
    ],
)
def test_timestamps_at_the_ends_of_the_calendar(cw, url, params, count):
    new_claim(cw)
    response = client_for(cw.gz_regulator).get(url, params)
    assert response.status_code == 200 and response.json()["count"] == count
