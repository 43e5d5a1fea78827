"""The daily job registry behind `manage.py run_daily`.

Each app declares its time-driven work in a `daily.py` module with `@daily_job`; the command
discovers them, so accounts never imports the apps above it. Every job must be idempotent.
"""

from collections.abc import Callable
from datetime import date

from django.utils.module_loading import autodiscover_modules

_JOBS: list[tuple[int, str, Callable[[date], str]]] = []


def daily_job(name: str, order: int = 100):
    def register(func: Callable[[date], str]):
        _JOBS.append((order, name, func))
        return func

    return register


def daily_jobs() -> list[tuple[str, Callable[[date], str]]]:
    autodiscover_modules("daily")
    seen, jobs = set(), []
    for order, name, func in sorted(_JOBS, key=lambda job: (job[0], job[1])):
        if name not in seen:
            seen.add(name)
            jobs.append((name, func))
    return jobs
