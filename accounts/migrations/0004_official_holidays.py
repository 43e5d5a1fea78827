"""The State Council's published holiday arrangements (国务院办公厅关于部分节假日安排的通知) for
2024–2026: weekday holidays (is_working_day False) and weekend days worked in exchange (True).
Later years are added by operators in the admin, or by a later migration."""

from datetime import date, timedelta

from django.db import migrations


def _span(first: str, last: str, name: str) -> list[tuple[str, bool, str]]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [((start + timedelta(days=n)).isoformat(), False, name) for n in range((end - start).days + 1)]


HOLIDAYS = [
    # 2024 (国办发明电〔2023〕7号)
    *_span("2024-01-01", "2024-01-01", "元旦"),
    *_span("2024-02-10", "2024-02-17", "春节"), ("2024-02-04", True, "春节调休"), ("2024-02-18", True, "春节调休"),
    *_span("2024-04-04", "2024-04-06", "清明节"), ("2024-04-07", True, "清明节调休"),
    *_span("2024-05-01", "2024-05-05", "劳动节"), ("2024-04-28", True, "劳动节调休"), ("2024-05-11", True, "劳动节调休"),
    *_span("2024-06-10", "2024-06-10", "端午节"),
    *_span("2024-09-15", "2024-09-17", "中秋节"), ("2024-09-14", True, "中秋节调休"),
    *_span("2024-10-01", "2024-10-07", "国庆节"), ("2024-09-29", True, "国庆节调休"), ("2024-10-12", True, "国庆节调休"),
    # 2025 (国办发明电〔2024〕12号)
    *_span("2025-01-01", "2025-01-01", "元旦"),
    *_span("2025-01-28", "2025-02-04", "春节"), ("2025-01-26", True, "春节调休"), ("2025-02-08", True, "春节调休"),
    *_span("2025-04-04", "2025-04-06", "清明节"),
    *_span("2025-05-01", "2025-05-05", "劳动节"), ("2025-04-27", True, "劳动节调休"),
    *_span("2025-05-31", "2025-06-02", "端午节"),
    *_span("2025-10-01", "2025-10-08", "国庆节、中秋节"), ("2025-09-28", True, "国庆节调休"), ("2025-10-11", True, "国庆节调休"),
    # 2026 (国办发明电〔2025〕7号)
    *_span("2026-01-01", "2026-01-03", "元旦"), ("2026-01-04", True, "元旦调休"),
    *_span("2026-02-15", "2026-02-23", "春节"), ("2026-02-14", True, "春节调休"), ("2026-02-28", True, "春节调休"),
    *_span("2026-04-04", "2026-04-06", "清明节"),
    *_span("2026-05-01", "2026-05-05", "劳动节"), ("2026-05-09", True, "劳动节调休"),
    *_span("2026-06-19", "2026-06-21", "端午节"),
    *_span("2026-09-25", "2026-09-27", "中秋节"),
    *_span("2026-10-01", "2026-10-07", "国庆节"), ("2026-09-20", True, "国庆节调休"), ("2026-10-10", True, "国庆节调休"),
]


def load(apps, schema_editor):
    CalendarDay = apps.get_model("accounts", "CalendarDay")
    for day, working, name in HOLIDAYS:
        weekend = date.fromisoformat(day).weekday() >= 5
        if working or not weekend:  # a holiday on a Saturday or Sunday changes nothing
            CalendarDay.objects.update_or_create(date=day, defaults={"is_working_day": working, "name": name})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_calendar_day")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
