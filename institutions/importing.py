"""Import and export of the institution registry as .xlsx or .csv.

A hand-written loop rather than a django-import-export Resource: every row must go through
services.create_institution / update_institution (role, scope, validation), errors must name the
spreadsheet row and column, and an out-of-scope USCC must not say where it lives. A Resource
would need most of its import pipeline overridden to do that.

Preview and commit run the same code; the preview's transaction is rolled back, so the two can
never disagree.
"""

import csv
import io
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import openpyxl
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.errors import DomainError, NotAllowed, NotFound, ValidationFailed
from institutions import services
from institutions.choices import FilingStatus, InstitutionType, MedicalLicence, Nature, OperationModel
from institutions.models import Institution, Region

# The registry fields, in template order, with their Chinese headers. English field names are
# accepted as headers too.
COLUMNS = {
    "uscc": "统一社会信用代码",
    "name": "机构名称",
    "region": "行政区划代码",
    "type": "机构类型",
    "nature": "机构性质",
    "operation_model": "运营模式",
    "address": "地址",
    "beds_total": "床位总数",
    "beds_nursing": "护理型床位数",
    "beds_in_use": "在用床位数",
    "residents": "在住老年人数",
    "building_area": "建筑面积（平方米）",
    "level": "等级",
    "level_rated_on": "等级评定日期",
    "filing_status": "备案状态",
    "filed_on": "备案日期",
    "residents_since": "开始收住日期",
    "contact_person": "联系人",
    "contact_phone": "联系电话",
    "email": "电子邮箱",
    "medical_licence": "内设医疗机构",
    "medical_licence_no": "医疗机构许可证号",
    "medical_licence_valid_until": "医疗许可有效期至",
    "canteen_licence_no": "食品经营许可证号",
    "canteen_licence_valid_until": "食品经营许可有效期至",
}
ID_HEADER = "ID"
# Export-only columns: recognised on import (so an export re-imports) and ignored.
READ_ONLY = {
    "region_name": "所在地区",
    "credit_grade": "信用等级",
    "is_blacklisted": "失信名单",
    "updated_at": "更新时间",
}
REQUIRED_TO_CREATE = ("uscc", "name", "region", "type", "nature", "operation_model", "address", "beds_total")

# Chinese labels of the enum columns. The first label of each code is the one exports write; the
# choices' own labels are English msgids whose Chinese translations do not exist yet.
ENUM_LABELS = {
    "type": {
        InstitutionType.NURSING_HOME: ("养老院",),
        InstitutionType.RURAL_HOME: ("敬老院",),
        InstitutionType.CENTRAL_RURAL_HOME: ("中心敬老院",),
        InstitutionType.REGIONAL_CENTER: ("区域性养老中心",),
        InstitutionType.DAY_CARE: ("社区日间照料中心",),
        InstitutionType.COMMUNITY_STATION: ("居家和社区养老服务站",),
        InstitutionType.EMBEDDED_SMALL: ("嵌入式小型养老院",),
        InstitutionType.RURAL_HAPPINESS: ("农村幸福院",),
        InstitutionType.MEDICAL_CARE: ("医养结合机构",),
    },
    "nature": {Nature.FOR_PROFIT: ("营利", "营利性"), Nature.NON_PROFIT: ("非营利", "非营利性")},
    "operation_model": {
        OperationModel.PUBLIC: ("公办公营",),
        OperationModel.PUBLIC_PRIVATE: ("公建民营",),
        OperationModel.PRIVATE_SUBSIDISED: ("民办公助",),
        OperationModel.PRIVATE: ("民办",),
    },
    "filing_status": {
        FilingStatus.NOT_FILED: ("未备案",),
        FilingStatus.FILED: ("已备案",),
        FilingStatus.CANCELLED: ("已注销备案", "备案已注销"),
    },
    "medical_licence": {
        MedicalLicence.NONE: ("无",),
        MedicalLicence.LICENCE: ("医疗机构执业许可证",),
        MedicalLicence.FILING: ("内设医疗机构备案",),
    },
}
_HEADER_LOOKUP = {
    **{header: name for name, header in {**COLUMNS, **READ_ONLY}.items()},
    **{name: name for name in [*COLUMNS, *READ_ONLY]},
    "id": "id",
}

XLSX = "xlsx"
CSV = "csv"
CONTENT_TYPES = {XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", CSV: "text/csv; charset=utf-8"}
MAX_ROWS = 50_000  # ~40,000 institutions nationwide; anything bigger is a mistake or a zip bomb
STASH_TTL_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class RowReport:
    number: int
    action: str  # "new" | "update" | "skip" (unchanged) | "error"
    uscc: str
    name: str
    errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list[RowReport]
    counts: dict[str, int]
    has_errors: bool
    total: int

    @classmethod
    def of(cls, rows: list[RowReport]) -> "ImportReport":
        counts = Counter(row.action for row in rows)
        counts = {action: counts.get(action, 0) for action in ("new", "update", "skip", "error")}
        return cls(rows=rows, counts=counts, has_errors=counts["error"] > 0, total=len(rows))


@dataclass
class _Table:
    fields: list[str | None]  # per column: field name, or None for a column to ignore
    headers: dict[str, str]  # field -> header as written in the file
    rows: list[tuple[int, tuple]]  # (spreadsheet row number, cell values)


# --- public API -------------------------------------------------------------------------------


def stash_upload(*, actor, uploaded_file) -> str:
    """Check an upload and keep it privately under a generated name; returns the token for it."""
    _require_importer(actor)
    fmt = _format_of(uploaded_file.name)
    if uploaded_file.size > settings.IMPORT_MAX_BYTES:
        raise _file_error(
            _("The file is larger than %(mb)d MB.") % {"mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
        )
    _purge_stale()
    token = uuid.uuid4().hex
    path = _stash_path(actor, token, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        for chunk in uploaded_file.chunks():
            out.write(chunk)
    try:
        _read_table(path)
    except ValidationFailed:
        path.unlink(missing_ok=True)
        raise
    return token


def preview_import(*, actor, token) -> ImportReport:
    return import_file(actor=actor, path=_stashed(actor, token), dry_run=True)


def commit_import(*, actor, token) -> ImportReport:
    path = _stashed(actor, token)
    report = import_file(actor=actor, path=path, dry_run=False)
    path.unlink(missing_ok=True)
    return report


def discard_upload(*, actor, token) -> None:
    try:
        _stashed(actor, token).unlink(missing_ok=True)
    except NotFound:
        pass


def import_file(*, actor, path, dry_run: bool, progress=None) -> ImportReport:
    """Import a file from disk (the stash, or the command line). All or nothing.

    `progress(rows, total)` may wrap the row iterable, e.g. with tqdm.
    """
    _require_importer(actor)
    path = Path(path)
    _format_of(path.name)
    table = _read_table(path)
    rows = progress(table.rows, len(table.rows)) if progress else table.rows
    with transaction.atomic():
        report = ImportReport.of(_RowImporter(actor, table).run(rows, write=not dry_run))
        if dry_run or report.has_errors:
            transaction.set_rollback(True)
    if report.has_errors and not dry_run:
        exc = ValidationFailed(
            _("%(count)d of %(total)d rows have errors; nothing was imported.")
            % {"count": report.counts["error"], "total": report.total},
            code="import_has_errors",
        )
        exc.report = report
        raise exc
    return report


def template_file(fmt: str) -> tuple[bytes, str, str]:
    """An empty import template; the xlsx one explains the columns on a second sheet."""
    _check_output_format(fmt)
    headers = list(COLUMNS.values())
    filename = f"养老机构导入模板.{fmt}"
    if fmt == CSV:
        return csv_bytes([headers]), CONTENT_TYPES[CSV], filename
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "养老机构"
    sheet.append(headers)
    sheet.freeze_panes = "A2"
    for index, name in enumerate(COLUMNS, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, 2 * len(COLUMNS[name]) + 2)
        if name in ("uscc", "region", "contact_phone"):
            sheet.column_dimensions[letter].number_format = "@"  # Excel would mangle them as numbers
    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "字段", "新建时必填", "说明"])
    for name, header in COLUMNS.items():
        notes.append([header, name, "是" if name in REQUIRED_TO_CREATE else "", _column_note(name)])
    notes.append([])
    notes.append([ID_HEADER, "id", "", "导出文件中的系统编号；填写时按编号更新该机构，否则按统一社会信用代码更新或新建"])
    notes.append(["", "", "", "更新时：文件中有的列，空白单元格会清空该项；不改的列可整列删除"])
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["D"].width = 90
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), CONTENT_TYPES[XLSX], filename


def export_institutions(queryset, fmt: str) -> tuple[bytes, str, str]:
    """The queryset as a file that re-imports: the template's columns, plus ID and read-only ones."""
    _check_output_format(fmt)
    headers = [ID_HEADER, *COLUMNS.values(), *READ_ONLY.values()]
    rows = (_export_row(values, fmt) for values in _export_values(queryset))
    filename = f"养老机构_{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == CSV:
        return csv_bytes([headers], rows), CONTENT_TYPES[CSV], filename
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("养老机构")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), CONTENT_TYPES[XLSX], filename


# --- rows ---------------------------------------------------------------------------------------


class _RowImporter:
    def __init__(self, actor, table: _Table):
        self.actor = actor
        self.table = table
        self.regions = {region.code: region for region in Region.objects.all()}
        self.enums = {name: _enum_lookup(name) for name in ENUM_LABELS}
        self.first_seen: dict[tuple[str, object], int] = {}
        self.registered: dict[str, tuple[int, int]] = {}  # USCC -> (pk, version) of the file's known homes
        self.new: list[Institution] = []  # checked rows to create, saved in bulk at the end

    def run(self, rows, *, write: bool = True) -> list[RowReport]:
        """Check every row (updating existing homes as it goes), then create the new ones in bulk —
        a service call per new row took ~10 ms, too slow for a national file of 40,000."""
        self.registered = self.registered_usccs()
        reports = [self.import_row(number, cells) for number, cells in rows]
        if write and self.new and not any(report.action == "error" for report in reports):
            services.create_institutions(actor=self.actor, institutions=self.new)
        return reports

    def registered_usccs(self) -> dict[str, tuple[int, int]]:
        if "uscc" not in self.table.fields:
            return {}
        column = self.table.fields.index("uscc")
        codes = sorted({_parse_text(cells[column]).upper() for _n, cells in self.table.rows if not _blank(cells[column])})
        registered = {}
        for start in range(0, len(codes), 5000):
            chunk = codes[start:start + 5000]
            registered.update((uscc, (pk, version)) for uscc, pk, version in
                              Institution.objects.filter(uscc__in=chunk).values_list("uscc", "pk", "version"))
        return registered

    def header(self, name: str | None) -> str:
        if name is None or name == NON_FIELD_ERRORS:
            return ""
        return self.table.headers.get(name) or COLUMNS.get(name, name)

    def import_row(self, number: int, cells: tuple) -> RowReport:
        data, row_id, errors = {}, None, []
        for name, value in zip(self.table.fields, cells):
            if name is None:
                continue
            try:
                if name == "id":
                    row_id = _parse_int(value) if not _blank(value) else None
                else:
                    data[name] = self.parse(name, value)
            except ValueError as exc:
                errors.append((self.header(name), str(exc)))
        for column, key in (("id", row_id), ("uscc", data.get("uscc"))):
            first = self.first_seen.setdefault((column, key), number) if key else number
            if first != number:
                errors.append((self.header(column), _("Duplicate of row %(row)d.") % {"row": first}))
        report = RowReport(number, "error", data.get("uscc") or "", data.get("name") or "", errors)
        if errors:
            return report
        try:
            report.action = self.write(row_id, data)
        except (DomainError, DjangoValidationError) as exc:
            report.errors = self.errors_of(exc)
        return report

    def parse(self, name: str, value):
        if _blank(value):
            return _blank_value(name)
        if name == "region":
            code = _parse_text(value)
            if code not in self.regions:
                raise ValueError(_("Unknown region code %(code)s.") % {"code": code})
            return self.regions[code]
        if name in self.enums:
            text = _parse_text(value)
            code = self.enums[name].get(text.lower())
            if code is None:
                allowed = "、".join(labels[0] for labels in ENUM_LABELS[name].values())
                raise ValueError(_("Unknown value %(value)s; use one of: %(allowed)s.") % {"value": text, "allowed": allowed})
            return code
        model_field = Institution._meta.get_field(name)
        if isinstance(model_field, models.DateField):
            return _parse_date(value)
        if isinstance(model_field, models.DecimalField):
            return _parse_decimal(value)
        if isinstance(model_field, models.IntegerField):
            return _parse_int(value)
        text = _parse_text(value)
        return text.upper() if name == "uscc" else text

    def write(self, row_id: int | None, data: dict) -> str:
        """Update through the services, or check a new row for the bulk create; returns the row's action.

        The lookup here is unscoped on purpose: update_institution re-reads the record through the
        caller's scope and answers NotFound outside it, so scope has one home.
        """
        if row_id is not None:
            target = Institution.objects.filter(pk=row_id).values_list("pk", "version").first()
            missing = {"id": [_("No such institution in your jurisdiction.")]}
            if target is None:
                raise ValidationFailed(fields=missing)
        else:
            target = self.registered.get(data.get("uscc"))
            # Say that it exists (creating it would fail anyway), never where.
            missing = {"uscc": [_("Already registered to an institution outside your jurisdiction.")]}
            if target is None:
                self.new.append(services.checked_new_institution(actor=self.actor, data=data))
                return "new"
        pk, version = target
        try:
            updated = services.update_institution(actor=self.actor, institution_id=pk, data=data)
        except NotFound:
            raise ValidationFailed(fields=missing) from None
        return "update" if updated.version != version else "skip"

    def errors_of(self, exc) -> list[tuple[str, str]]:
        if isinstance(exc, DomainError):
            pairs = [(name, m) for name, messages in exc.fields.items() for m in messages] or [(None, exc.detail)]
        elif hasattr(exc, "error_dict"):
            pairs = [(name, m) for name, messages in exc.message_dict.items() for m in messages]
        else:
            pairs = [(None, m) for m in exc.messages]
        return [(self.header(name), str(message)) for name, message in pairs]


def _enum_lookup(name: str) -> dict[str, str]:
    """Lower-cased code, Chinese labels above, and the choice's label in either UI language -> code."""
    lookup = {}
    for code, label in Institution._meta.get_field(name).choices:
        keys = [code, *ENUM_LABELS[name][code]]
        for language in ("zh-hans", "en"):
            with translation.override(language):
                keys.append(str(label))
        lookup.update({key.strip().lower(): code for key in keys})
    return lookup


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _blank_value(name: str):
    """An empty cell sets the field to its empty value: the default, None, or ''."""
    model_field = Institution._meta.get_field(name)
    if model_field.has_default():
        return model_field.get_default()
    if model_field.null or not isinstance(model_field, models.CharField):
        return None
    return ""


def _parse_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number or code that Excel stored as a number
    return str(value).strip()


def _parse_int(value) -> int:
    if isinstance(value, bool):
        raise ValueError(_("Enter a whole number."))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if not re.fullmatch(r"-?\d+", text):
        raise ValueError(_("Enter a whole number."))
    return int(text)


def _parse_decimal(value) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(_("Enter a number.")) from None
    if not number.is_finite():
        raise ValueError(_("Enter a number."))
    return number


def _parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    # YYYY-MM-DD, and the YYYY/M/D (with a midnight time) that Excel writes when it saves a CSV.
    match = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]0?0:00(?::00)?)?", str(value).strip())
    try:
        return date(*map(int, match.groups()))
    except (AttributeError, ValueError):
        raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None


# --- files --------------------------------------------------------------------------------------


def _require_importer(actor) -> None:
    if actor.role not in services.REGISTRY_KEEPERS:
        raise NotAllowed(_("Only administrators and regulators may import institutions."))


def _file_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={"file": [message]})


def _format_of(filename: str | None) -> str:
    suffix = Path(filename or "").suffix.lower().lstrip(".")
    if suffix not in CONTENT_TYPES:
        raise _file_error(_("Upload an .xlsx or .csv file."))
    return suffix


def _check_output_format(fmt) -> None:
    if fmt not in CONTENT_TYPES:
        message = _("Choose xlsx or csv.")
        raise ValidationFailed(message, fields={"format": [message]})


def _stash_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _stash_path(actor, token: str, fmt: str) -> Path:
    # The actor's id in the name binds the token to them: another user's token finds nothing.
    return _stash_dir() / f"{actor.pk}-{token}.{fmt}"


def _stashed(actor, token) -> Path:
    if isinstance(token, str) and _TOKEN.match(token):
        for fmt in CONTENT_TYPES:
            path = _stash_path(actor, token, fmt)
            if path.is_file():
                return path
    raise NotFound(_("The uploaded file is gone; upload it again."))


def _purge_stale() -> None:
    """Uploads previewed but never committed are dropped after a day."""
    cutoff = time.time() - STASH_TTL_SECONDS
    for path in _stash_dir().glob("*-*.*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass


def _read_table(path: Path) -> _Table:
    """Parse the file and map its header row; a file that does not parse is a 400 on `file`."""
    raw_rows = _xlsx_rows(path) if path.suffix.lower() == f".{XLSX}" else _csv_rows(path)
    header = next(raw_rows, None) or ()
    headers = [_parse_text(cell) if cell is not None else "" for cell in header]
    fields, mapped, unknown = [], {}, []
    for text in headers:
        name = (_HEADER_LOOKUP.get(text) or _HEADER_LOOKUP.get(text.lower())) if text else None
        if text and name is None:
            unknown.append(text)
        elif name in mapped:
            raise _file_error(_("The column %(header)s appears twice.") % {"header": text})
        elif name:
            mapped[name] = text
        fields.append(None if name in READ_ONLY else name)
    if unknown:
        raise _file_error(
            _("Unknown columns: %(headers)s. Use the headers of the import template.") % {"headers": ", ".join(unknown)}
        )
    if "uscc" not in mapped and "id" not in mapped:
        raise _file_error(
            _("The first row must hold the column headers, including %(uscc)s.") % {"uscc": COLUMNS["uscc"]}
        )
    width = len(fields)
    rows = []
    for number, cells in enumerate(raw_rows, start=2):
        cells = tuple(cells[:width]) + (None,) * (width - len(cells))
        if all(_blank(cell) for cell, name in zip(cells, fields) if name):
            continue  # empty rows, e.g. trailing ones Excel keeps after deletion
        rows.append((number, cells))
        if len(rows) > MAX_ROWS:
            raise _file_error(_("At most %(max)d rows can be imported at once.") % {"max": MAX_ROWS})
    return _Table(fields=fields, headers=mapped, rows=rows)


def _xlsx_rows(path: Path):
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a file that is not a workbook
        raise _file_error(_("The file is not a valid .xlsx workbook.")) from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers record a wrong used range; read every row
        rows = list(sheet.iter_rows(values_only=True))
    except Exception:
        raise _file_error(_("The file is not a valid .xlsx workbook.")) from None
    finally:
        workbook.close()
    return iter(rows)


def _csv_rows(path: Path):
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _file_error(_("The file is not a valid .csv text file (UTF-8 or GBK)."))
    if "\x00" in text:
        raise _file_error(_("The file is not a valid .csv text file (UTF-8 or GBK)."))
    try:
        return iter(list(csv.reader(io.StringIO(text, newline=""))))
    except csv.Error:
        raise _file_error(_("The file is not a valid .csv text file (UTF-8 or GBK).")) from None


def csv_bytes(*row_groups) -> bytes:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # the BOM makes Excel read UTF-8, so the Chinese shows
    writer = csv.writer(buffer)
    for rows in row_groups:
        writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _column_note(name: str) -> str:
    if name in ENUM_LABELS:
        return "可填中文或代码：" + "；".join(f"{labels[0]} = {code}" for code, labels in ENUM_LABELS[name].items())
    if name == "region":
        return "6位县级行政区划代码（GB/T 2260），如 440106"
    if name == "uscc":
        return "18位，含校验位（GB 32100）"
    if name == "level":
        return "1–5，填写等级时须填等级评定日期"
    model_field = Institution._meta.get_field(name)
    if isinstance(model_field, models.DateField):
        return "日期，格式 YYYY-MM-DD"
    if isinstance(model_field, (models.IntegerField, models.DecimalField)):
        return "数字"
    return ""


# --- export -------------------------------------------------------------------------------------


def _export_values(queryset):
    names = ["id", *COLUMNS, "region__full_name", "credit_grade", "is_blacklisted", "updated_at"]
    return queryset.values_list(*names).iterator(chunk_size=2000)


_EXPORT_LABEL = {name: {str(code): labels[0] for code, labels in table.items()} for name, table in ENUM_LABELS.items()}


def _export_row(values: tuple, fmt: str) -> list:
    pk, *registry, region_name, credit_grade, blacklisted, updated_at = values
    row = [pk]
    for name, value in zip(COLUMNS, registry):
        if name in _EXPORT_LABEL:
            value = _EXPORT_LABEL[name].get(value, value)
        elif isinstance(value, date) and fmt == CSV:
            value = value.isoformat()
        row.append(value)
    row += [region_name, credit_grade, "是" if blacklisted else "否", f"{timezone.localtime(updated_at):%Y-%m-%d %H:%M:%S}"]
    return row
