import csv
import io

import pytest
from auditlog.models import LogEntry
from django.core.cache import cache

from institutions.choices import InstitutionType
from institutions.models import Institution
from tests.conftest import client_for
from tests.factories import InstitutionFactory, region
from tests.fixtures.spreadsheets import csv_bytes, good_row, read_xlsx, table, upload, xlsx_upload

pytestmark = pytest.mark.django_db

IMPORT = "/api/v1/institutions/import/"
EXPORT = "/api/v1/institutions/export/"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """Throttle counters live in the cache across tests, keyed by user ids the database reuses."""
    cache.clear()


def post(user, file, **extra):
    return client_for(user).post(IMPORT, {"file": file, **extra}, format="multipart")


def exported_names(response) -> list[str]:
    content = b"".join(response.streaming_content)
    if response["Content-Type"].startswith("text/csv"):
        return sorted(row["机构名称"] for row in csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    return sorted(row[2] for row in read_xlsx(content)[1:])


# --- import -----------------------------------------------------------------------------------


def test_import_creates_and_answers_the_report(world):
    row = good_row()
    response = post(world.gz_regulator, xlsx_upload([row]))

    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == {"new": 1, "update": 0, "skip": 0, "error": 0}
    assert body["has_errors"] is False and body["total"] == 1
    assert body["rows"] == [{"number": 2, "action": "new", "uscc": row["uscc"], "name": row["name"], "errors": []}]
    assert Institution.objects.filter(uscc=row["uscc"]).exists()


def test_import_is_audited_under_the_caller(world):
    row = good_row()
    post(world.gz_regulator, upload(csv_bytes(table([row])), "机构.csv"))

    created = Institution.objects.get(uscc=row["uscc"])
    entry = LogEntry.objects.get_for_object(created).get()
    assert entry.actor == world.gz_regulator


def test_dry_run_reports_and_writes_nothing(world, tmp_path):
    response = post(world.gz_regulator, xlsx_upload([good_row()]), dry_run="true")

    assert response.status_code == 200
    assert response.json()["rows"][0]["action"] == "new"
    assert Institution.objects.count() == 2
    assert not any((tmp_path / "imports").glob("*"))  # the one-shot upload is not kept


def test_a_commit_with_errors_is_400_with_the_report_and_writes_nothing(world):
    response = post(world.admin, xlsx_upload([good_row(), good_row(type="疗养院")]))

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_has_errors" and body["detail"]
    assert body["counts"]["error"] == 1
    assert body["rows"][1]["errors"] == [{"column": "机构类型", "message": body["rows"][1]["errors"][0]["message"]}]
    assert "疗养院" in body["rows"][1]["errors"][0]["message"]
    assert Institution.objects.count() == 2


@pytest.mark.parametrize("role", ["gz_inspector", "gz_institution", "insurer"])
def test_import_is_403_for_roles_that_do_not_keep_the_registry(world, role):
    response = post(getattr(world, role), xlsx_upload([good_row()]))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_text_file_named_xlsx_is_a_clear_400(world):
    response = post(world.admin, upload(b"this is not a workbook", "机构.xlsx"))

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "xlsx" in body["detail"]
    assert body["fields"]["file"]


def test_import_without_a_file_is_400_on_file(world):
    response = client_for(world.admin).post(IMPORT, {"dry_run": "true"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["fields"]


def test_import_needs_a_login(api):
    assert api.post(IMPORT, {"file": xlsx_upload([good_row()])}, format="multipart").status_code in (401, 403)


# --- export -----------------------------------------------------------------------------------


def test_export_is_an_xlsx_download_of_the_callers_scope(world):
    response = client_for(world.gz_regulator).get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert "filename*=utf-8''%E5%85%BB%E8%80%81%E6%9C%BA%E6%9E%84_" in response["Content-Disposition"]
    assert exported_names(response) == ["天河康乐养老院"]


def test_export_csv_honours_the_list_filters(world):
    InstitutionFactory(region=region("440104"), name="越秀日间照料中心", type=InstitutionType.DAY_CARE)
    InstitutionFactory(region=region("440104"), name="越秀养老院")
    client = client_for(world.admin)

    def names(**params):
        return exported_names(client.get(EXPORT, {"format": "csv", **params}))

    assert names(region="440100") == ["天河康乐养老院", "越秀养老院", "越秀日间照料中心"]
    assert names(region="440100", type="day_care") == ["越秀日间照料中心"]
    assert names(q="汉滨") == ["汉滨区中心敬老院"]


def test_export_with_a_bad_format_or_filter_is_400(world):
    client = client_for(world.admin)
    bad_format = client.get(EXPORT, {"format": "pdf"})
    assert bad_format.status_code == 400 and "format" in bad_format.json()["fields"]
    bad_region = client.get(EXPORT, {"region": "abc"})
    assert bad_region.status_code == 400 and "region" in bad_region.json()["fields"]


def test_the_export_route_is_not_taken_for_an_institution_id(world):
    assert client_for(world.admin).get(f"/api/v1/institutions/{world.gz_home.pk}/").status_code == 200
    assert client_for(world.admin).get(EXPORT).status_code == 200


def test_both_endpoints_are_in_the_schema(world):
    schema = client_for(world.admin).get("/api/schema/", {"format": "json"}).json()
    assert "post" in schema["paths"]["/api/v1/institutions/import/"]
    parameters = {p["name"] for p in schema["paths"]["/api/v1/institutions/export/"]["get"]["parameters"]}
    assert {"format", "region", "type", "q"} <= parameters
