"""`make sweep`: every list page and API list, as each kind of user, against the national dataset.

The benchmark (bench.py) times the cases issue 7 names; this looks for the ones nobody named — a
select of every home in scope, a count over every inspection — by opening each list as the first
administrator, regulators of a province, a city and a county, an inspector, an insurer and a home
of the dataset. Prints the median of three runs after a warm-up; exits non-zero when a page takes
longer than --slow ms. Not a test: nothing here runs under pytest.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PAGES = [
    "/", "/institutions/", "/practitioners/", "/policies/", "/coverage/", "/incidents/", "/claims/",
    "/claims/disputes/", "/claims/statistics/", "/inspections/", "/inspections/new/", "/inspections/overview/",
    "/findings/", "/penalties/", "/blacklist/", "/blacklist/new/", "/complaints/", "/credit/scores/",
    "/credit/dishonesty/", "/credit/key-supervision/", "/dashboard/", "/notifications/",
]
API = [
    "/api/v1/institutions/", "/api/v1/practitioners/", "/api/v1/policies/", "/api/v1/coverage/",
    "/api/v1/incidents/", "/api/v1/claims/", "/api/v1/claims/statistics/", "/api/v1/inspections/",
    "/api/v1/findings/", "/api/v1/penalties/", "/api/v1/blacklist-cases/", "/api/v1/credit-scores/",
    "/api/v1/complaints/",
]
PUBLIC = ["/public/", "/public/blacklist/", "/api/v1/public/institutions/", "/api/v1/public/blacklist/"]


def users() -> dict:
    from accounts.choices import Role
    from accounts.models import User

    active = User.objects.filter(is_active=True).order_by("pk")
    found = {
        "admin": active.filter(role=Role.ADMIN).first(),
        "province": active.filter(role=Role.REGULATOR, region__level="province").first(),
        "city": active.filter(role=Role.REGULATOR, region__level="city").first(),
        "county": active.filter(role=Role.REGULATOR, region__level="county").first(),
        "inspector": active.filter(role=Role.INSPECTOR).first(),
        "insurer": active.filter(role=Role.INSURER).first(),
        "home": active.filter(role=Role.INSTITUTION).first(),
    }
    return {name: user for name, user in found.items() if user is not None}


def median_ms(client, url: str) -> tuple[int, float]:
    response = client.get(url)  # warm-up
    times = []
    for _ in range(3):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    return response.status_code, statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=float, default=300, help="report pages slower than this (ms)")
    parser.add_argument("urls", nargs="*", help="only these URLs (default: every list)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DB_CONN_MAX_AGE", "600")
    import django

    django.setup()
    import config.wsgi  # noqa: F401 — the app as a production worker loads it
    from django.conf import settings
    from django.test import Client

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    logins = users()
    slow = []
    print(f"{'url':42} {'user':10} {'status':>6} {'median ms':>10}")
    for url in args.urls or PAGES + API + PUBLIC:
        who = {"public": None} if url in PUBLIC else logins
        for name, user in who.items():
            client = Client()
            if user is not None:
                client.force_login(user)
            status, ms = median_ms(client, url)
            if status in (403, 404):  # not this user's page
                continue
            flag = "  SLOW" if ms > args.slow else ""
            print(f"{url:42} {name:10} {status:6d} {ms:10.1f}{flag}", flush=True)
            if ms > args.slow or status >= 500:
                slow.append((url, name, ms))
    print(f"{len(slow)} page(s) over {args.slow:g} ms" + "".join(f"\n  {u} as {n}: {ms:.0f} ms" for u, n, ms in slow))
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
