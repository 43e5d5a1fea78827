import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from stdnum.cn import uscc as uscc_check

from config.errors import NotAllowed, NotFound, ValidationFailed
from institutions import importing, services
from institutions.choices import FilingStatus, InstitutionType, MedicalLicence, Nature, OperationModel
from institutions.models import Institution
from tests.factories import InstitutionFactory, make_uscc, region
from tests.fixtures.spreadsheets import (
    csv_bytes,
    good_row,
    read_xlsx,
    table,
    upload,
    xlsx_bytes,
    xlsx_upload,
)

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "institutions_sample.csv"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def run(actor, file, *, dry_run=False):
    token = importing.stash_upload(actor=actor, uploaded_file=file)
    return (importing.preview_import if dry_run else importing.commit_import)(actor=actor, token=token)


def errors_by_row(report):
    return {row.number: row.errors for row in report.rows if row.errors}


def bad_check_digit(code: str) -> str:
    return code[:-1] + next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != code[-1])


# --- creating ---------------------------------------------------------------------------------


def test_xlsx_creates_institutions_with_codes_labels_and_excel_dates(world):
    rows = [
        good_row(name="甲院", filing_status="已备案", filed_on=datetime(2024, 3, 1), level=3,
                 level_rated_on=datetime(2024, 6, 1), building_area=1234.5, contact_phone=13800138000),
        good_row(name="乙院", type="day_care", nature="For-profit", operation_model="公建民营",
                 medical_licence="内设医疗机构备案"),
    ]
    report = run(world.gz_regulator, xlsx_upload(rows))

    assert report.counts == {"new": 2, "update": 0, "skip": 0, "error": 0}
    assert [row.number for row in report.rows] == [2, 3]
    first = Institution.objects.get(uscc=rows[0]["uscc"])
    assert (first.filing_status, first.filed_on, first.level) == (FilingStatus.FILED, date(2024, 3, 1), 3)
    assert first.building_area == Decimal("1234.50")
    assert first.contact_phone == "13800138000"
    second = Institution.objects.get(uscc=rows[1]["uscc"])
    assert (second.type, second.nature, second.operation_model, second.medical_licence) == (
        InstitutionType.DAY_CARE, Nature.FOR_PROFIT, OperationModel.PUBLIC_PRIVATE, MedicalLicence.FILING
    )


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_creates_institutions_in_utf8_and_in_the_gbk_excel_saves(world, encoding):
    row = good_row(filing_status="已备案", filed_on="2024/3/1")  # how Chinese Excel writes dates in CSV
    report = run(world.admin, upload(csv_bytes(table([row]), encoding), "机构.csv"))

    assert report.counts["new"] == 1
    assert Institution.objects.get(uscc=row["uscc"]).filed_on == date(2024, 3, 1)


def test_stash_keeps_the_file_under_a_generated_name_and_commit_removes_it(world, tmp_path):
    token = importing.stash_upload(actor=world.admin, uploaded_file=upload(xlsx_bytes(table([good_row()])), "我的机构.xlsx"))
    stashed = list((tmp_path / "imports").iterdir())
    assert len(stashed) == 1 and "我的机构" not in stashed[0].name

    importing.commit_import(actor=world.admin, token=token)
    assert not stashed[0].exists()


def test_committed_sample_file_imports(world):
    report = run(world.gz_regulator, upload(SAMPLE.read_bytes(), SAMPLE.name))
    assert report.counts == {"new": 2, "update": 0, "skip": 0, "error": 0}


# --- row errors -------------------------------------------------------------------------------


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(world):
    before = Institution.objects.count()
    rows = [
        good_row(name="好的一行"),
        good_row(uscc=bad_check_digit(make_uscc("440106"))),
        good_row(region="449999"),
        good_row(beds_total=50, beds_nursing=60),
        good_row(type="疗养院"),
    ]
    file = xlsx_upload(rows, blank_rows=4)  # trailing empty rows are not rows

    with pytest.raises(ValidationFailed) as caught:
        run(world.admin, file)

    report = caught.value.report
    assert not uscc_check.is_valid(rows[1]["uscc"])
    assert caught.value.code == "import_has_errors"
    assert report.total == 5 and report.counts["error"] == 4
    errors = errors_by_row(report)
    assert sorted(errors) == [3, 4, 5, 6]
    assert [column for column, _ in errors[3]] == ["统一社会信用代码"]
    assert [column for column, _ in errors[4]] == ["行政区划代码"] and "449999" in errors[4][0][1]
    assert [column for column, _ in errors[5]] == ["护理型床位数"]
    assert [column for column, _ in errors[6]] == ["机构类型"] and "疗养院" in errors[6][0][1]
    assert report.rows[0].action == "new"  # the good row would have been created…
    assert Institution.objects.count() == before  # …but nothing was written


def test_an_empty_required_cell_is_an_error_on_its_column(world):
    report = run(world.admin, xlsx_upload([good_row(name="", beds_total=None)]), dry_run=True)
    assert {column for column, _ in report.rows[0].errors} == {"机构名称", "床位总数"}


@translation.override("en")  # asserts English messages
def test_duplicate_uscc_in_one_file(world):
    code = make_uscc("440106")
    report = run(world.admin, xlsx_upload([good_row(uscc=code), good_row(uscc=code.lower())]), dry_run=True)
    assert report.rows[0].action == "new"
    assert report.rows[1].errors == [("统一社会信用代码", "Duplicate of row 2.")]


# --- updating ---------------------------------------------------------------------------------


def test_a_known_uscc_updates_that_institution(world):
    home = world.gz_home
    report = run(world.gz_regulator, xlsx_upload([{"uscc": home.uscc, "beds_total": 150, "residents": 99}]))

    assert report.rows[0].action == "update"
    home.refresh_from_db()
    assert (home.beds_total, home.residents, home.version) == (150, 99, 2)
    assert home.name == "天河康乐养老院"  # columns not in the file are left alone


def test_an_id_column_updates_that_institution_even_its_uscc(world):
    new_code = make_uscc("440106")
    report = run(world.admin, xlsx_upload([{"id": world.gz_home.pk, "uscc": new_code, "name": "天河康乐养老中心"}],
                                          english=True))

    assert report.rows[0].action == "update"
    world.gz_home.refresh_from_db()
    assert (world.gz_home.uscc, world.gz_home.name) == (new_code, "天河康乐养老中心")


def test_an_empty_cell_clears_the_field_and_a_missing_column_leaves_it(world):
    world.gz_home.contact_person = "王五"
    world.gz_home.save()
    run(world.admin, xlsx_upload([{"uscc": world.gz_home.uscc, "contact_person": "", "beds_total": 121}]))
    world.gz_home.refresh_from_db()
    assert (world.gz_home.contact_person, world.gz_home.beds_total, world.gz_home.address) == ("", 121, "天河路1号")


@translation.override("en")  # asserts English messages
def test_an_unknown_id_is_a_row_error(world):
    report = run(world.admin, xlsx_upload([{"id": 999999, "name": "无此机构"}]), dry_run=True)
    assert report.rows[0].errors == [("ID", "No such institution in your jurisdiction.")]


# --- who may import, and where ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["gz_inspector", "gz_institution", "insurer"])
def test_only_administrators_and_regulators_may_import(world, role):
    with pytest.raises(NotAllowed):
        importing.stash_upload(actor=getattr(world, role), uploaded_file=xlsx_upload([good_row()]))


def test_a_guangzhou_regulator_cannot_create_or_update_in_ankang(world):
    before = list(Institution.objects.order_by("pk").values_list("pk", "version"))
    rows = [
        good_row(region="610902", uscc=make_uscc("610902")),  # create there
        {"uscc": world.ak_home.uscc, "beds_total": 10},  # update there by USCC
        {"id": world.ak_home.pk, "beds_total": 10},  # …and by id
    ]
    with pytest.raises(ValidationFailed) as caught:
        run(world.gz_regulator, xlsx_upload(rows))

    errors = errors_by_row(caught.value.report)
    assert [column for column, _ in errors[2]] == ["行政区划代码"]
    assert [column for column, _ in errors[3]] == ["统一社会信用代码"]
    assert [column for column, _ in errors[4]] == ["ID"]
    messages = " ".join(message for row in errors.values() for _, message in row)
    assert "安康" not in messages and "汉滨" not in messages and str(world.ak_home.pk) not in messages
    assert list(Institution.objects.order_by("pk").values_list("pk", "version")) == before


def test_a_token_belongs_to_the_user_who_uploaded(world):
    token = importing.stash_upload(actor=world.gz_regulator, uploaded_file=xlsx_upload([good_row()]))
    with pytest.raises(NotFound):
        importing.preview_import(actor=world.admin, token=token)
    with pytest.raises(NotFound):
        importing.commit_import(actor=world.admin, token="../../etc/passwd")


# --- preview ----------------------------------------------------------------------------------


def test_preview_reports_what_commit_would_do_and_writes_nothing(world):
    file = xlsx_upload([good_row(), good_row(uscc=world.gz_home.uscc, beds_total=130)])
    token = importing.stash_upload(actor=world.gz_regulator, uploaded_file=file)
    logged = LogEntry.objects.count()

    preview = importing.preview_import(actor=world.gz_regulator, token=token)

    assert [row.action for row in preview.rows] == ["new", "update"]
    assert Institution.objects.count() == 2 and LogEntry.objects.count() == logged
    world.gz_home.refresh_from_db()
    assert world.gz_home.beds_total == 120
    committed = importing.commit_import(actor=world.gz_regulator, token=token)
    assert committed == preview


# --- export and round trip --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_reimport_changes_nothing(world, fmt):
    InstitutionFactory(
        region=region("440106"), level=4, level_rated_on=date(2024, 5, 1), filing_status=FilingStatus.FILED,
        filed_on=date(2023, 1, 9), building_area=Decimal("2345.60"), contact_phone="020-12345678",
        email="a@example.com", medical_licence=MedicalLicence.LICENCE, medical_licence_no="PDY-1",
        medical_licence_valid_until=date(2027, 12, 31), type=InstitutionType.MEDICAL_CARE, nature=Nature.FOR_PROFIT,
    )
    data, content_type, filename = importing.export_institutions(Institution.objects.all(), fmt)
    assert filename.startswith("养老机构_") and filename.endswith(f".{fmt}")

    report = run(world.admin, upload(data, filename))

    assert report.counts == {"new": 0, "update": 0, "skip": 3, "error": 0}
    assert set(Institution.objects.values_list("version", flat=True)) == {1}


def test_export_has_the_template_columns_plus_read_only_ones(world):
    data, content_type, _ = importing.export_institutions(Institution.objects.filter(pk=world.gz_home.pk), "xlsx")
    header, row = read_xlsx(data)
    template_header = read_xlsx(importing.template_file("xlsx")[0])[0]

    assert header[0] == "ID" and header[1:len(template_header) + 1] == template_header
    assert header[len(template_header) + 1:] == ("所在地区", "信用等级", "失信名单", "更新时间")
    assert row[0] == world.gz_home.pk and row[3] == "440106" and row[4] == "养老院"
    assert content_type.startswith("application/vnd.openxmlformats")


def test_csv_export_starts_with_a_bom_for_excel(world):
    data, content_type, _ = importing.export_institutions(Institution.objects.all(), "csv")
    assert data.startswith("\ufeffID,统一社会信用代码".encode())
    assert content_type.startswith("text/csv")


def test_template_lists_the_allowed_codes_on_its_second_sheet():
    content, _, filename = importing.template_file("xlsx")
    assert filename.endswith(".xlsx")
    assert read_xlsx(content)[0][:3] == ("统一社会信用代码", "机构名称", "行政区划代码")
    notes = {row[1]: row[3] for row in read_xlsx(content, sheet=1) if row and row[1]}
    assert "养老院 = nursing_home" in notes["type"] and "公建民营 = public_private" in notes["operation_model"]
    csv_content = importing.template_file("csv")[0]
    assert csv_content.decode("utf-8-sig").strip() == ",".join(importing.COLUMNS.values())


def test_every_service_field_has_a_column_and_every_enum_code_a_chinese_label():
    assert set(importing.COLUMNS) == services.INSTITUTION_FIELDS
    for name, labels in importing.ENUM_LABELS.items():
        assert set(labels) == {code for code, _ in Institution._meta.get_field(name).choices}


# --- files that are not spreadsheets ----------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"uscc,name\nthis is just text\n", "机构.xlsx"),
        (xlsx_bytes(table([good_row()])), "机构.csv"),
        (b"hello", "机构.txt"),
        (csv_bytes([["名称", "地址"], ["x", "y"]]), "机构.csv"),  # no recognised headers
    ],
)
def test_a_file_that_is_not_an_import_spreadsheet_is_refused_clearly(world, tmp_path, content, name):
    with pytest.raises(ValidationFailed) as caught:
        importing.stash_upload(actor=world.admin, uploaded_file=upload(content, name))
    assert caught.value.fields["file"]
    assert not any((tmp_path / "imports").glob("*"))


def test_a_file_over_the_size_limit_is_refused(world, settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationFailed) as caught:
        importing.stash_upload(actor=world.admin, uploaded_file=xlsx_upload([good_row()]))
    assert "file" in caught.value.fields


# --- command line and audit -------------------------------------------------------------------


def write(tmp_path, rows, name="机构.xlsx") -> str:
    path = tmp_path / name
    path.write_bytes(xlsx_bytes(table(rows)))
    return str(path)


def test_the_command_imports_as_the_user_and_the_change_log_names_them(world, tmp_path):
    new = good_row()
    path = write(tmp_path, [new, good_row(uscc=world.gz_home.uscc, beds_total=140)])
    out = io.StringIO()
    logged_before = LogEntry.objects.count()

    call_command("import_institutions", path, "--as", world.gz_regulator.username, stdout=out, stderr=io.StringIO())

    assert "new 1, update 1" in out.getvalue()
    created = Institution.objects.get(uscc=new["uscc"])
    entries = LogEntry.objects.order_by("pk")[logged_before:]
    assert {(entry.object_id, entry.content_type.model) for entry in entries} == {
        (created.pk, "institution"), (world.gz_home.pk, "institution")
    }
    assert sorted(entry.action for entry in entries) == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert {entry.actor_id for entry in entries} == {world.gz_regulator.pk}


@translation.override("en")  # asserts English messages
def test_the_command_prints_every_row_error_and_fails(world, tmp_path):
    path = write(tmp_path, [good_row(), good_row(beds_total=10, beds_nursing=20), good_row(region="abc")])
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_institutions", path, "--as", world.admin.username, stdout=io.StringIO(), stderr=err)

    assert "row 3, 护理型床位数: Nursing beds cannot exceed total beds." in err.getvalue()
    assert "row 4, 行政区划代码:" in err.getvalue()
    assert Institution.objects.count() == 2


def test_the_command_dry_run_writes_nothing(world, tmp_path):
    out = io.StringIO()
    call_command("import_institutions", write(tmp_path, [good_row()]), "--as", world.admin.username, "--dry-run",
                 stdout=out, stderr=io.StringIO())
    assert "Dry run" in out.getvalue() and Institution.objects.count() == 2


def test_the_command_refuses_a_user_who_may_not_import(world, tmp_path):
    with pytest.raises(CommandError):
        call_command("import_institutions", write(tmp_path, [good_row()]), "--as", world.gz_inspector.username,
                     stdout=io.StringIO(), stderr=io.StringIO())


def test_export_command_honours_scope_and_region(world, tmp_path):
    InstitutionFactory(region=region("440104"), name="越秀养老院")
    out = tmp_path / "export.xlsx"

    call_command("export_institutions", "--as", world.gz_regulator.username, "-o", str(out), stdout=io.StringIO())
    assert sorted(row[2] for row in read_xlsx(out.read_bytes())[1:]) == ["天河康乐养老院", "越秀养老院"]

    call_command("export_institutions", "--as", world.admin.username, "--region", "610900", "--format", "csv",
                 "-o", str(out), stdout=io.StringIO())
    assert "汉滨区中心敬老院" in out.read_bytes().decode("utf-8-sig")
    assert "天河康乐养老院" not in out.read_bytes().decode("utf-8-sig")

