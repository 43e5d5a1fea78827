"""`make bench`: time what people wait for, against the national dataset (`generate_scale`).

Run against whatever DATABASE_URL names, already loaded (scripts/bench.sh loads it). Each case runs a
warm-up, then `repeat` timed runs; prints median and p95 and writes JSON so runs can be compared.
API reads are also timed against their floor: the same page of rows fetched by one raw SQL query
(the SQL the ORM builds for the same filter, ordering and page, executed by the DB-API directly)
plus `json.dumps` — what no framework can beat. The floor's statement also returns each nested list
(policy sections, claim events …) as a JSON array, so both fetch the same data; the JSON records the
size of both answers.

Not a test: pytest does not collect it, and nothing here asserts timing in the test suite.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Case:
    name: str
    run: callable
    target_ms: float | None  # None: measured and reported, no target
    repeat: int = 20
    floor: callable = None  # API reads: the raw-SQL + json.dumps floor of the same rows
    max_ratio: float | None = None
    note: str = ""
    times: list[float] = field(default_factory=list)
    floor_times: list[float] = field(default_factory=list)
    queries: int | None = None
    answer_bytes: int | None = None  # API reads: the size of the page's JSON, and of the floor's
    floor_bytes: int | None = None


def JSONArrayAgg(expression):
    """json_group_array (SQLite) or json_agg (PostgreSQL) of an expression: a nested list in one statement."""
    from django.db.models import Aggregate, JSONField

    class Agg(Aggregate):
        function = "JSON_GROUP_ARRAY"
        output_field = JSONField()

        def as_postgresql(self, compiler, connection, **extra_context):
            return super().as_sql(compiler, connection, function="JSON_AGG", **extra_context)

    return Agg(expression)


def timed(func) -> float:
    start = time.perf_counter()
    func()
    return (time.perf_counter() - start) * 1000


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def count_queries(func) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured)


def measure(case: Case) -> None:
    answer = case.run()  # warm-up: first-use caches (content types, translations, templates) are not the subject
    if case.floor:
        case.answer_bytes, case.floor_bytes = len(answer.content), len(case.floor().encode())
    case.queries = count_queries(case.run)
    case.times = [timed(case.run) for _ in range(case.repeat)]
    if case.floor:
        case.floor()
        case.floor_times = [timed(case.floor) for _ in range(case.repeat)]


def verdict(case: Case) -> tuple[bool, str]:
    median = statistics.median(case.times)
    misses = []
    if case.target_ms is not None and median > case.target_ms:
        misses.append(f"median > {case.target_ms:g} ms")
    if case.max_ratio and case.floor_times:
        ratio = median / statistics.median(case.floor_times)
        if ratio > case.max_ratio:
            misses.append(f"ratio > {case.max_ratio:g}×")
    return not misses, "; ".join(misses)


# --- the cases ------------------------------------------------------------------------------------


class Bench:
    """Picks the users and records of the dataset the cases need, and builds the cases."""

    def __init__(self, only: set[str] | None):
        from django.test import Client
        from django.utils import timezone

        self.only = only
        self.today = timezone.localdate()
        self.client_class = Client
        self.clients = {}
        self.pick()

    def pick(self):
        from accounts.choices import Role
        from accounts.models import User
        from institutions.choices import RegionLevel
        from institutions.models import Region

        def user(role, level=None):
            users = User.objects.filter(role=role, is_active=True).order_by("pk")
            if level:
                users = users.filter(region__level=level)
            found = users.first()
            if found is None:
                sys.exit(f"The dataset has no active {role} user{' of a ' + level if level else ''}: run generate_scale.")
            return found

        self.admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
        if self.admin is None:
            self.admin = User.objects.create_user("bench-admin", password=None, role=Role.ADMIN)
        self.province_regulator = user(Role.REGULATOR, RegionLevel.PROVINCE)
        self.city_regulator = user(Role.REGULATOR, RegionLevel.CITY)
        self.county_regulator = user(Role.REGULATOR, RegionLevel.COUNTY)
        self.insurer_user = user(Role.INSURER)
        self.province = self.province_regulator.region
        self.city = self.city_regulator.region
        self.county = self.county_regulator.region
        assert Region.objects.filter(pk=self.province.pk).exists()

    def client(self, user):
        if user.pk not in self.clients:
            client = self.client_class()
            client.force_login(user)
            self.clients[user.pk] = client
        return self.clients[user.pk]

    def get(self, user, url, **params):
        def run():
            response = self.client(user).get(url, params)
            if response.status_code != 200:
                raise SystemExit(f"GET {url} {params} answered {response.status_code}: {response.content[:300]!r}")
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            return response

        return run

    def floor(self, queryset, serializer_class):
        """One raw SQL statement for the same page — the columns the list reads and, per nested list,
        its rows' columns as one JSON array (a correlated subquery) — then json.dumps.

        The columns are the list's own (config.api_rows.RowReader compiles them from its serializer), so
        the floor fetches what the page shows but for labels, values computed in Python and lists nested
        two deep; on SQLite the arrays arrive as text and are parsed, as a program would have to.
        """
        from django.db import connection
        from django.db.models import F, OuterRef, Subquery
        from django.db.models.functions import JSONObject

        from config.api_rows import RowReader

        reader = RowReader.of(serializer_class)
        nested = {}
        for name, (child, fk) in reader.children.items():
            fields = JSONObject(**{lookup: F(lookup) for lookup in child.lookups})
            rows = (child.model._default_manager.filter(**{fk: OuterRef("pk")}).order_by().values(fk)
                    .annotate(rows=JSONArrayAgg(fields)).values("rows"))
            nested[f"{name}_rows"] = Subquery(rows)
        page = queryset.prefetch_related(None).values(*reader.lookups, **nested)[:50]
        sql, params = page.query.sql_with_params()
        as_text = connection.vendor == "sqlite"

        def run():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                names = [c[0] for c in cursor.description]
                rows = [dict(zip(names, row)) for row in cursor.fetchall()]
            if as_text:
                for row in rows:
                    for name in nested:
                        row[name] = json.loads(row[name]) if row[name] else []
            return json.dumps({"results": rows}, default=str, ensure_ascii=False)

        return run

    def filtered(self, filterset_class, queryset, params):
        filterset = filterset_class(params, queryset=queryset)
        assert filterset.is_valid(), filterset.errors
        return filterset.qs

    def cases(self) -> list[Case]:
        builders = [
            self.api_minimum, self.institutions_by_region, self.policies_expiring, self.insurer_claims_updated_since,
            self.overdue_findings_of_a_city, self.coverage_of_a_province, self.dashboard_of_the_nation,
            self.dashboard_of_a_county, self.inspection_record_pdf, self.inspection_record_first_render,
            self.operation_report_of_a_city_quarter,
            self.credit_recompute_for_every_home, self.institution_import_40000_rows,
        ]
        return [build() for build in builders if not self.only or build.__name__ in self.only]

    # API reads (page of 50): within 4× their floor and under 50 ms.

    def api_minimum(self) -> Case:
        """What any API request costs before its own work: middleware, session, DRF, one-row page."""
        return Case("api_minimum_one_insurer", self.get(self.insurer_user, "/api/v1/insurers/", page_size="1"), None,
                    note="informational: the framework's share of every API read")

    def institutions_by_region(self) -> Case:
        from institutions.api.serializers import InstitutionSerializer
        from institutions.filters import InstitutionFilter
        from institutions.selectors import institutions_for

        params = {"region": self.province.code, "page_size": "50"}
        qs = self.filtered(InstitutionFilter, institutions_for(self.province_regulator), params)
        return Case("institutions_by_region", self.get(self.province_regulator, "/api/v1/institutions/", **params),
                    50, floor=self.floor(qs.order_by("name", "id"), InstitutionSerializer), max_ratio=4,
                    note=f"API, province {self.province.code}, page of 50")

    def policies_expiring(self) -> Case:
        from insurance.api.serializers import PolicySerializer
        from insurance.filters import PolicyFilter
        from insurance.selectors import policies_for

        params = {"expiring_within": "30", "page_size": "50"}
        qs = self.filtered(PolicyFilter, policies_for(self.province_regulator), params)
        return Case("policies_expiring_30_days", self.get(self.province_regulator, "/api/v1/policies/", **params),
                    50, floor=self.floor(qs, PolicySerializer), max_ratio=4,
                    note=f"API, regulator of {self.province.code}")

    def insurer_claims_updated_since(self) -> Case:
        from insurance.api.claim_serializers import ClaimSerializer
        from insurance.filters import ClaimFilter
        from insurance.selectors.claims import claims_for

        since = (self.today - timedelta(days=30)).isoformat() + "T00:00:00+08:00"
        params = {"updated_since": since, "page_size": "50"}
        qs = self.filtered(ClaimFilter, claims_for(self.insurer_user), params)
        return Case("insurer_claims_updated_since", self.get(self.insurer_user, "/api/v1/claims/", **params),
                    50, floor=self.floor(qs, ClaimSerializer), max_ratio=4, note="API, one insurer, last 30 days")

    def overdue_findings_of_a_city(self) -> Case:
        from inspections.api.serializers import FindingSerializer
        from inspections.filters import FindingFilter
        from inspections.selectors import findings_for

        params = {"region": self.city.code, "overdue": "true", "page_size": "50"}
        qs = self.filtered(FindingFilter, findings_for(self.city_regulator), params)
        return Case("overdue_findings_of_a_city", self.get(self.city_regulator, "/api/v1/findings/", **params),
                    50, floor=self.floor(qs, FindingSerializer), max_ratio=4, note=f"API, city {self.city.code}")

    # Pages and documents.

    def coverage_of_a_province(self) -> Case:
        return Case("coverage_page_of_a_province",
                    self.get(self.province_regulator, "/coverage/", region=self.province.code), 300,
                    note=f"page, {self.province.code}")

    def dashboard_of_the_nation(self) -> Case:
        return Case("dashboard_of_the_nation", self.get(self.admin, "/dashboard/"), 300, note="page, admin")

    def dashboard_of_a_county(self) -> Case:
        return Case("dashboard_of_a_county", self.get(self.county_regulator, "/dashboard/", region=self.county.code),
                    300, note=f"page, {self.county.code}")

    def largest_finished_inspection(self):
        from django.db.models import Count

        from inspections.choices import InspectionStatus
        from inspections.models import Inspection

        finished = Inspection.objects.filter(status__in=[InspectionStatus.COMPLETED, InspectionStatus.CLOSED])
        inspection = finished.annotate(n=Count("results")).order_by("-n", "pk").first()
        if inspection is None:
            sys.exit("The dataset has no completed inspection.")
        return inspection

    def inspection_record_pdf(self) -> Case:
        inspection = self.largest_finished_inspection()
        return Case("inspection_record_pdf", self.get(self.admin, f"/api/v1/inspections/{inspection.pk}/report.pdf"),
                    300, repeat=10, note=f"API, {inspection.n} results; rendered once, then cached")

    def inspection_record_first_render(self) -> Case:
        """What the first reader of a finished record waits for: the rendering the cache then saves."""
        from inspections.pdf import _render_record

        inspection = self.largest_finished_inspection()
        return Case("inspection_record_first_render", lambda: _render_record(inspection, with_reason=True), None, repeat=5,
                    note=f"{inspection.n} results, not cached (informational)")

    def operation_report_of_a_city_quarter(self) -> Case:
        from credit.report import operation_report_pdf

        quarter = (self.today.month - 1) // 3 + 1
        year, quarter = (self.today.year, quarter - 1) if quarter > 1 else (self.today.year - 1, 4)
        return Case("operation_report_city_quarter",
                    lambda: operation_report_pdf(self.city_regulator, self.city.code, year, quarter), 10_000,
                    repeat=3, note=f"{self.city.code} {year} Q{quarter}")

    # Whole-country work.

    def credit_recompute_for_every_home(self) -> Case:
        from credit.scores import recompute

        return Case("credit_recompute_every_home", lambda: recompute(as_of=self.today), 30_000, repeat=3)

    def institution_import_40000_rows(self) -> Case:
        from django.db import transaction

        from institutions.importing import import_file

        path = Path(tempfile.mkdtemp(prefix="bench-import-")) / "institutions.csv"
        path.write_bytes(import_csv(40_000, self.county))

        def run():
            with transaction.atomic():  # leave the dataset as it was: the import is rolled back
                report = import_file(actor=self.admin, path=path, dry_run=False)
                assert report.counts.get("new") == 40_000, report.counts
                transaction.set_rollback(True)

        return Case("institution_import_40000_rows", run, 60_000, repeat=1,
                    note="CSV of new homes, rolled back after")


def import_csv(rows: int, county) -> bytes:
    """A CSV of `rows` new homes the import accepts (valid, unused USCCs in the bench's own series)."""
    from stdnum.cn import uscc

    from institutions.importing import COLUMNS, csv_bytes

    headers = list(COLUMNS.values())
    fields = list(COLUMNS)

    def row(n):
        body = f"52{county.code}MJ{n:07d}"
        values = {"uscc": body + uscc.calc_check_digit(body), "name": f"压测养老院{n:05d}", "region": county.code,
                  "type": "nursing_home", "nature": "non_profit", "operation_model": "private", "beds_total": 100,
                  "address": f"{county.full_name}测试路{n}号"}
        return [values.get(name, "") for name in fields]

    return csv_bytes([headers], (row(n) for n in range(rows)))


# --- running and reporting ------------------------------------------------------------------------


def describe_dataset() -> dict:
    from django.db import connection

    from inspections.models import Finding, Inspection
    from institutions.models import Institution
    from insurance.models import Claim, Policy

    return {
        "database": connection.vendor,
        "institutions": Institution.objects.count(),
        "policies": Policy.objects.count(),
        "claims": Claim.objects.count(),
        "inspections": Inspection.objects.count(),
        "findings": Finding.objects.count(),
    }


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def table(cases: list[Case]) -> str:
    header = f"{'case':34} {'median ms':>10} {'p95 ms':>9} {'floor ms':>9} {'ratio':>6} {'queries':>7} {'target':>9}  result"
    lines = [header, "-" * len(header)]
    for case in cases:
        median = statistics.median(case.times)
        floor = statistics.median(case.floor_times) if case.floor_times else None
        ok, why = verdict(case)
        lines.append(
            f"{case.name:34} {median:10.1f} {p95(case.times):9.1f} "
            f"{(f'{floor:9.2f}' if floor else ' ' * 9)} {(f'{median / floor:5.1f}×' if floor else ' ' * 6)} "
            f"{case.queries:7d} {(f'{case.target_ms:9g}' if case.target_ms else '        —')}  "
            f"{('ok' if case.target_ms or case.max_ratio else '') if ok else 'MISS: ' + why}"
        )
    return "\n".join(lines)


def as_json(cases: list[Case], dataset: dict) -> dict:
    results = []
    for case in cases:
        ok, why = verdict(case)
        results.append({
            "name": case.name, "note": case.note, "runs": len(case.times), "queries": case.queries,
            "median_ms": round(statistics.median(case.times), 2), "p95_ms": round(p95(case.times), 2),
            "floor_median_ms": round(statistics.median(case.floor_times), 3) if case.floor_times else None,
            "answer_bytes": case.answer_bytes, "floor_bytes": case.floor_bytes,
            "target_ms": case.target_ms, "max_ratio": case.max_ratio, "ok": ok, "miss": why,
        })
    return {"commit": commit(), "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "python": platform.python_version(),
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform()}, "dataset": dataset,
            "results": results}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="case builders to run (method names of Bench)")
    parser.add_argument("--json", help="where to write the results (default bench-results/<db>-<time>.json)")
    parser.add_argument("--repeat", type=int, help="timed runs per fast case (default 20)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "0")  # DEBUG records every query: not what production does
    os.environ.setdefault("DB_CONN_MAX_AGE", "600")  # persistent connections, as production runs
    import django

    django.setup()
    import config.wsgi  # noqa: F401 — load the app as a production worker does (gc.freeze included)
    from django.conf import settings

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")

    dataset = describe_dataset()
    print(f"Dataset on {dataset['database']}: " + ", ".join(f"{v} {k}" for k, v in dataset.items() if k != "database"))
    bench = Bench(set(args.only) if args.only else None)
    cases = bench.cases()
    for case in cases:
        if args.repeat and case.repeat > 3:
            case.repeat = args.repeat
        print(f"… {case.name}", file=sys.stderr, flush=True)
        measure(case)
    print(table(cases))

    path = Path(args.json) if args.json else ROOT / "bench-results" / f"{dataset['database']}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(as_json(cases, dataset), ensure_ascii=False, indent=2))
    print(f"Results written to {path}")
    return 0 if all(verdict(case)[0] for case in cases) else 1


if __name__ == "__main__":
    sys.exit(main())
