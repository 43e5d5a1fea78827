"""Every inspections, findings and penalties endpoint × every role × its own and someone else's object,
and schemathesis over these endpoints: whatever a client sends, never a server error.

Own object: the 天河 home's (the inspector is on its team, the institution is that home). Someone
else's: the 汉滨 home's, outside every scope but the administrator's. `other_institution` is the
neighbouring 天河 home: it sees nothing of its neighbour. Expected codes: 200/201 allowed, 403
visible but not the role's to do, 404 outside the scope, 400 when a body names an institution outside
the scope (as for practitioners and claims)."""

import pytest
import schemathesis
from django.core import signals
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from accounts.choices import Role
from accounts.services import issue_api_key
from config.wsgi import application
from inspections import services
from inspections.models import RectificationFile
from tests.conftest import client_for
from tests.factories import make_user, pdf_bytes
from tests.inspections.test_api import (
    FINDINGS,
    INSPECTIONS,
    PENALTIES,
    far_team,
    finding_in,
    image_bytes,
    inspection_in,
    item,
    penalty_body,
    plan_body,
    today,
)

ROLES = ["admin", "regulator", "inspector", "institution", "other_institution", "insurer"]


@pytest.fixture
def mw(iw, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    iw.insurer = make_user(Role.INSURER)
    far_team(iw)
    return iw


def homes(w):
    return w.home, w.far_home


# ---------------------------------------------------------------------------------------------
# Reads: one scene per role, every read endpoint on it


def _scene(w, home):
    """A completed inspection with a finding (photo, submitted evidence) and a penalty with its
    decision document, at `home`."""
    finding = finding_in(w, "submitted", home=home, photo=True)
    penalty = services.record_penalty(
        actor=w.admin, institution_id=home.pk, document=SimpleUploadedFile("决定书.pdf", pdf_bytes()),
        data=services.PenaltyData(kind="warning", reason="r", legal_basis="b", decided_on=today(),
                                  document_number="穗民罚〔2026〕9号"),
    )
    inspection = finding.inspection
    return {
        "inspection": f"{INSPECTIONS}{inspection.pk}/",
        "checklist": f"{INSPECTIONS}{inspection.pk}/checklist/",
        "report.pdf": f"{INSPECTIONS}{inspection.pk}/report.pdf",
        "notice.pdf": f"{INSPECTIONS}{inspection.pk}/notice.pdf",
        "photo": f"{INSPECTIONS}{inspection.pk}/photos/{inspection.photos.get().pk}/",
        "finding": f"{FINDINGS}{finding.pk}/",
        "evidence": f"{FINDINGS}{finding.pk}/files/{RectificationFile.objects.get(rectification__finding=finding).pk}/",
        "penalty": f"{PENALTIES}{penalty.pk}/",
        "penalty document": f"{PENALTIES}{penalty.pk}/document/",
    }


READS = {  # role: (own, other)
    "admin": (200, 200), "regulator": (200, 404), "inspector": (200, 404), "institution": (200, 404),
    "other_institution": (404, 404), "insurer": (404, 404),
}
LISTED = {"admin": 2, "regulator": 1, "inspector": 1, "institution": 1, "other_institution": 0, "insurer": 0}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ROLES)
def test_reads(mw, who):
    own, other = _scene(mw, mw.home), _scene(mw, mw.far_home)
    client = client_for(getattr(mw, who))
    for name in own:
        for urls, expected in ((own, READS[who][0]), (other, READS[who][1])):
            response = client.get(urls[name])
            assert response.status_code == expected, (name, urls is own, response.content[:200])
    for url in (INSPECTIONS, FINDINGS, PENALTIES):
        assert client.get(url).json()["count"] == LISTED[who], url


# ---------------------------------------------------------------------------------------------
# Writes: each endpoint, each role, on its own object and on someone else's


def _on(state):
    return lambda w, home: inspection_in(w, state, home=home)


def _finding(state):
    return lambda w, home: finding_in(w, state, home=home)


def _inspection_post(action, body):
    return lambda w, obj, home: ("post", f"{INSPECTIONS}{obj.pk}/{action}/", body(w) if callable(body) else body,
                                 "json")


def _upload_photo(w, obj, home):
    return "post", f"{INSPECTIONS}{obj.pk}/photos/", {"file": SimpleUploadedFile("p.jpg", image_bytes("JPEG"))}, \
        "multipart"


def _plan(w, obj, home):
    team = [w.inspector.pk, w.inspector2.pk] if home == w.home else [u.pk for u in far_team(w)]
    return "post", INSPECTIONS, plan_body(w, institution=home.pk, inspectors=team), "json"


def _rectify(w, obj, home):
    return "post", f"{FINDINGS}{obj.pk}/submit-rectification/", {
        "plan": "立即整改", "files": [SimpleUploadedFile("e.png", image_bytes())]}, "multipart"


def _finding_post(action, body):
    return lambda w, obj, home: ("post", f"{FINDINGS}{obj.pk}/{action}/", body, "json")


def _penalty(w, obj, home):
    return "post", PENALTIES, penalty_body(w, institution=home.pk), "json"


def _nothing(w, home):
    return None


ON_SITE = {"admin": (200, 200), "regulator": (403, 404), "inspector": (200, 404), "institution": (403, 404),
           "other_institution": (404, 404), "insurer": (404, 404)}
CREATED_ON_SITE = {who: tuple(201 if code == 200 else code for code in codes) for who, codes in ON_SITE.items()}
PLANNERS = {"admin": (200, 200), "regulator": (200, 404), "inspector": (200, 404), "institution": (403, 404),
            "other_institution": (404, 404), "insurer": (404, 404)}

WRITES = {
    # endpoint: (make the object at a home, the request, {role: (own, other)})
    "plan": (_nothing, _plan, {
        "admin": (201, 201), "regulator": (201, 400), "inspector": (201, 400), "institution": (403, 403),
        "other_institution": (403, 403), "insurer": (403, 403)}),
    "notify": (_on("planned"), _inspection_post("notify", {}), {
        **PLANNERS, "institution": (404, 404)}),  # a planned inspection is invisible to the institution
    "start": (_on("notified"), _inspection_post("start", {}), {**ON_SITE}),
    "results": (_on("in_progress"), _inspection_post("results", lambda w: {"item": item(w, "BR-1").pk,
                                                                           "outcome": "pass"}), ON_SITE),
    "photos": (_on("in_progress"), _upload_photo, CREATED_ON_SITE),
    "sign": (_on("in_progress"), _inspection_post("sign", {"kind": "representative", "name": "张院长"}),
             CREATED_ON_SITE),
    "findings": (_on("in_progress"), _inspection_post("findings", {"description": "床栏松动", "severity": 2,
                                                                   "scope": "isolated"}), CREATED_ON_SITE),
    "complete": (_on("signed"), _inspection_post("complete", {}), ON_SITE),
    "close": (_on("completed"), _inspection_post("close", {}), PLANNERS),
    "submit-rectification": (_finding("open"), _rectify, {
        "admin": (200, 200), "regulator": (403, 404), "inspector": (403, 404), "institution": (200, 404),
        "other_institution": (404, 404), "insurer": (404, 404)}),
    "verify": (_finding("submitted"), _finding_post("verify", {"accepted": True}), ON_SITE),
    "escalate": (_finding("open"), _finding_post("escalate", {"kind": "blacklist_referral", "note": "拒不整改"}),
                 PLANNERS),
    "penalty": (_nothing, _penalty, {
        "admin": (201, 201), "regulator": (201, 400), "inspector": (403, 400), "institution": (403, 400),
        "other_institution": (400, 400), "insurer": (400, 400)}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("endpoint", list(WRITES))
def test_writes(mw, endpoint, who):
    make, request, expected = WRITES[endpoint]
    client = client_for(getattr(mw, who))
    for home, status in zip(homes(mw), expected[who], strict=True):
        method, url, body, fmt = request(mw, make(mw, home), home)
        response = getattr(client, method)(url, body, format=fmt)
        assert response.status_code == status, (home.name, response.content[:300])
        if status >= 400:
            assert {"code", "detail"} <= set(response.json())


# ---------------------------------------------------------------------------------------------
# schemathesis over these endpoints, with real objects in every state to meet now and then


schema = schemathesis.openapi.from_wsgi("/api/schema/", application).include(
    path_regex=r"^/api/v1/(inspections|findings|penalties)"
)


@pytest.fixture(params=["inspector", "regulator", "institution"])
def machine_key(request, db, iw, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    for state in ("planned", "notified", "in_progress", "completed"):
        inspection_in(iw, state)
    for state in ("open", "submitted"):
        finding_in(iw, state, photo=True)
    services.record_penalty(actor=iw.admin, institution_id=iw.home.pk, data=services.PenaltyData(
        kind="warning", reason="r", legal_basis="b", decided_on=today(), document_number="n"))
    _, raw = issue_api_key(user=getattr(iw, request.param))
    # Like Django's test client: keep the test's connection (and its transaction) open across requests.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield raw
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, machine_key):
    case.call_and_validate(headers={"Authorization": f"Bearer {machine_key}"}, checks=[not_a_server_error])
