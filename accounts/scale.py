"""The national benchmark dataset (`manage.py generate_scale`): the context every app's `scale.py`
step receives, and the accounts part of it (regulators and inspectors; institution and insurer accounts are made by
their apps' steps).

Steps write in bulk (Table: executemany, COPY on PostgreSQL), not through services: services work
one record at a time and would take hours for 40,000 homes. So each step must itself keep what the
services keep (and tests/perf/test_generate_scale.py checks it) — statuses that agree with
their event rows, document numbers as the services form them, dates in order. Ids are allocated
here before insertion so children can point at parents without a round trip, and document numbers
built from the id (JC2026-000123) can be written in the same INSERT.
"""

import functools
import random
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.models import Max
from django.utils import timezone
from tqdm import tqdm

from accounts.choices import Department, Role
from accounts.jobs import scale_step
from accounts.models import CalendarDay, User
from accounts.workdays import add_working_days

FLUSH_ROWS = 50_000  # buffered rows across models before they are written
BATCH_SIZE = 5_000  # rows per executemany
TZ = ZoneInfo(settings.TIME_ZONE)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉鹏宇浩凯丹晨欣怡佳雪梅琳海燕波亮林淑珍德福荣春秋"

# Departments that take part in the generated joint inspections; every county gets inspectors of each.
INSPECTION_DEPARTMENTS = (Department.CIVIL_AFFAIRS, Department.FIRE_RESCUE)
INSPECTORS_PER_DEPARTMENT = 2


class Home(NamedTuple):
    """What later steps need to know about a generated institution."""

    id: int
    region: str  # county code
    beds: int
    level: int | None
    opened: date  # taking residents since


class Table:
    """Rows of one model written by executemany: Django's bulk_create compiles every value of every
    row through the ORM, which made the load ten times slower. Each column is converted by the
    backend's own adapter for its type; columns a row leaves out take the field's default, so a
    field added later with a default needs no change here; generated columns are the database's."""

    def __init__(self, model, *, with_pk: bool):
        fields = [f for f in model._meta.concrete_fields if (with_pk or not f.primary_key) and not f.generated]
        self.columns = [(f.attname, self._default(f), self._adapter(f)) for f in fields]
        names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        table = connection.ops.quote_name(model._meta.db_table)
        self.sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
        self.copy_sql = f"COPY {table} ({names}) FROM STDIN"
        self.rows: list[dict] = []

    @staticmethod
    def _default(field):
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return NOW
        return field.get_default()

    @staticmethod
    def _adapter(field):
        kind = field.get_internal_type()
        if kind == "DateTimeField":
            return datetime_adapter()
        if kind == "JSONField":
            return lambda value: field.get_db_prep_save(value, connection)
        if kind == "FileField":
            return str
        return None  # int, str, bool, date, Decimal: the driver adapts them as they are

    def write(self) -> int:
        now = timezone.now()
        pairs = [(name, default) for name, default, _adapt in self.columns]
        stamps = [i for i, (_name, default, _adapt) in enumerate(self.columns) if default is NOW]
        adapters = [(i, adapt) for i, (_name, _default, adapt) in enumerate(self.columns) if adapt is not None]
        prepared = []
        for values in self.rows:
            get = values.get
            row = [get(name, default) for name, default in pairs]
            for i in stamps:
                if row[i] is NOW:
                    row[i] = now
            for i, adapt in adapters:
                if row[i] is not None:
                    row[i] = adapt(row[i])
            prepared.append(row)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # COPY: several times faster than INSERTs
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in prepared:
                        copy.write_row(row)
            else:
                for start in range(0, len(prepared), BATCH_SIZE):
                    cursor.executemany(self.sql, prepared[start:start + BATCH_SIZE])
        written = len(self.rows)
        self.rows.clear()
        return written


def datetime_adapter():
    """SQLite stores naive UTC text; Django's own adapter does the same through make_naive, three
    times slower. Other backends take aware datetimes as they are."""
    if connection.vendor != "sqlite":
        return None
    if connection.timezone != UTC:
        return connection.ops.adapt_datetimefield_value
    return lambda value: str(value.astimezone(UTC).replace(tzinfo=None))


NOW = object()  # "the time of writing", for auto_now fields a row leaves empty


class ScaleContext:
    """Shared state of one generate_scale run. Steps read what earlier steps left here."""

    def __init__(self, *, seed: int, today: date, years: int, institutions: int, password: str, progress=True):
        self.seed, self.today, self.years, self.institutions = seed, today, years, institutions
        self.start = today - timedelta(days=365 * years)  # first day of the generated history
        self.password_hash = make_password(password)
        self.show_progress = progress
        self.counts: Counter = Counter()  # rows written per model label
        self.homes: list[Home] = []
        self.counties: dict[str, list[int]] = {}  # county code → indexes into homes
        self.inspectors: dict[str, dict[str, list[int]]] = {}  # county → department → user ids
        self.usernames: dict[str, list[str]] = {}  # role → a few usernames to print
        self.user_names: dict[int, str] = {}  # user id → full name (signatures carry it)
        self.home_users: dict[int, int] = {}  # institution id → its account (reports incidents, claims)
        self.regulators: dict[str, int] = {}  # region code → its regulator's account
        self._next_id: dict[type, int] = {}
        self._tables: dict[type, Table] = {}  # insertion order = parents before children
        self._buffered = 0
        self.workdays = WorkingDays(self.start - timedelta(days=4 * 365), today + timedelta(days=400))

    def working_days_after(self, day: date, days: int) -> date:
        return self.workdays.after(day, days)

    def rng(self, step: str) -> random.Random:
        """An independent stream per step, so one step's draws never shift another's."""
        return random.Random(f"{self.seed}:{step}")

    def new_id(self, model) -> int:
        if model not in self._next_id:
            self._next_id[model] = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        value = self._next_id[model]
        self._next_id[model] = value + 1
        return value

    def row(self, model, **values) -> dict:
        """Queue one row (attname → value); fields not given get their model default. Returns the
        values so the caller can read them back (cheaper than a model instance, by a factor of ten)."""
        table = self._tables.get(model)
        if table is None:
            table = self._tables[model] = Table(model, with_pk="id" in values)
        table.rows.append(values)
        self._buffered += 1
        if self._buffered >= FLUSH_ROWS:
            self.flush()
        return values

    def add(self, obj) -> None:
        """Queue a model instance (for the few rows where building one is no cost)."""
        values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if not f.generated}
        if values.get("id") is None:
            values.pop("id", None)
        self.row(type(obj), **values)

    def flush(self) -> None:
        for model, table in self._tables.items():
            if table.rows:
                self.counts[model._meta.label] += table.write()
        self._buffered = 0

    def bar(self, iterable, desc: str, total: int | None = None):
        return tqdm(iterable, desc=f"{desc:<14}", total=total, disable=not self.show_progress, unit="home",
                    mininterval=0.5, leave=True)

    def note(self, role: str, username: str, keep: int = 3) -> None:
        names = self.usernames.setdefault(role, [])
        if len(names) < keep:
            names.append(username)

    def add_user(self, username: str, role: str, **fields) -> int:
        # One hash for every generated account: hashing 10,000 passwords would take minutes, and
        # these accounts exist only for benchmarks.
        pk = self.new_id(User)
        self.row(User, id=pk, username=username, password=self.password_hash, role=role, **fields)
        self.user_names[pk] = fields.get("full_name") or username
        self.note(role, username)
        return pk


def regulator_for(ctx: ScaleContext, region: str) -> int:
    """The regulator closest to a county: its own, else its city's, else its province's."""
    for code in (region, region[:4] + "00", region[:2] + "0000"):
        if code in ctx.regulators:
            return ctx.regulators[code]
    raise KeyError(region)


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """An aware time on a day (Asia/Shanghai has no DST, so this is exact)."""
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


class WorkingDays:
    """accounts.workdays.add_working_days over a calendar read once: the real one asks the database
    each time, and a run asks a few thousand times."""

    def __init__(self, first: date, last: date):
        self.first, self.last = first, last
        self.exceptions = dict(CalendarDay.objects.filter(date__gte=first, date__lte=last)
                               .values_list("date", "is_working_day"))

    @functools.lru_cache(maxsize=None)  # noqa: B019 - one calendar per run, dropped with it
    def after(self, day: date, days: int) -> date:
        if not (self.first <= day and day + timedelta(days=days * 2 + 30) <= self.last):
            return add_working_days(day, days)  # outside the loaded window: ask the real one
        step = timedelta(days=1)
        if days == 0:
            while not self.exceptions.get(day, day.weekday() < 5):
                day += step
            return day
        counted = 0
        while counted < days:
            day += step
            counted += self.exceptions.get(day, day.weekday() < 5)
        return day


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


@scale_step("users", order=20)
def regulators_and_inspectors(ctx: ScaleContext) -> None:
    """A regulator per province and for the busiest cities and counties; inspectors of each
    inspecting department in every county with homes."""
    rng = ctx.rng("users")
    provinces = sorted({code[:2] + "0000" for code in ctx.counties})
    by_city = Counter()
    for county, homes in ctx.counties.items():
        by_city[county[:4] + "00"] += len(homes)
    busiest_counties = sorted(ctx.counties, key=lambda c: (-len(ctx.counties[c]), c))[:10]
    busiest_cities = [code for code, _n in sorted(by_city.items(), key=lambda kv: (-kv[1], kv[0]))[:10]]
    for code in dict.fromkeys(provinces + busiest_cities + busiest_counties):  # a city without counties is both
        ctx.regulators[code] = ctx.add_user(f"reg_{code}", Role.REGULATOR, region_id=code, full_name=person_name(rng),
                     phone=mobile(rng))
    short = {Department.CIVIL_AFFAIRS: "ca", Department.FIRE_RESCUE: "fire"}
    for county in sorted(ctx.counties):
        teams = ctx.inspectors.setdefault(county, {})
        for department in INSPECTION_DEPARTMENTS:
            teams[department] = [
                ctx.add_user(f"insp_{county}_{short[department]}{n}", Role.INSPECTOR, region_id=county,
                             department=department, full_name=person_name(rng), phone=mobile(rng))
                for n in range(1, INSPECTORS_PER_DEPARTMENT + 1)
            ]
