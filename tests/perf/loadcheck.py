""""No lost updates" after a load test: compare what the client saw with what the database holds.

    DJANGO_SETTINGS_MODULE=config.settings .venv/bin/python tests/perf/loadcheck.py /tmp/load.json

Run against the database the server under test used (same DATABASE_URL), right after
tests/perf/loadtest.py wrote its JSON. Checks, for the events written since the run started:
- every claim's transition events are, in order, exactly the 2xx transitions the client saw
  (a lost update would drop one; a race both sides won would add one);
- per action, the database's event count equals the client's 2xx count (no event on a claim the
  client did not see succeed);
- each claim's version advanced by exactly one per successful transition, and its status is the
  `to` of its last event and what the client last saw;
- each paid claim holds exactly one payment (a replayed or raced pay paid nothing twice).
Prints the mismatches; exit status 1 if there is any.
"""

import json
import os
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path


def _setup_django():
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def check(seen: dict) -> tuple[list[str], dict]:
    from insurance.models import Claim, ClaimEvent, Payment

    # A second of slack: the client's clock and the server's are the same machine's, but the
    # client stamps its start before its first request is sent.
    since = datetime.fromisoformat(seen["started_at"]) - timedelta(seconds=1)
    claims = {int(k): v for k, v in seen["claims"].items()}
    events = defaultdict(list)
    for claim_id, action, to_status in (
        ClaimEvent.objects.filter(at__gte=since).exclude(action="create").order_by("id")
        .values_list("claim_id", "action", "to_status")
    ):
        events[claim_id].append((action, to_status))
    rows = {c.pk: c for c in Claim.objects.filter(pk__in=set(claims) | set(events)).only("id", "status", "version")}
    payments = Counter(Payment.objects.filter(claim_id__in=rows).values_list("claim_id", flat=True))

    problems = []
    for claim_id in sorted(set(claims) | set(events)):
        saw = claims.get(claim_id)
        stored = events.get(claim_id, [])
        row = rows.get(claim_id)
        if saw is None:
            problems.append(f"claim {claim_id}: {len(stored)} events the client never saw succeed: {stored}")
            continue
        actions = [action for action, _version in saw["transitions"]]
        if [action for action, _to in stored] != actions:
            problems.append(f"claim {claim_id}: events {[a for a, _t in stored]} but the client saw {actions}")
        if row.version != saw["start_version"] + len(actions):
            problems.append(f"claim {claim_id}: version {row.version}, expected {saw['start_version']} + {len(actions)}")
        if stored and row.status != stored[-1][1]:
            problems.append(f"claim {claim_id}: status {row.status} but its last event went to {stored[-1][1]}")
        if row.status != saw["status"]:
            problems.append(f"claim {claim_id}: status {row.status} but the client last saw {saw['status']}")
        if "pay" in actions and payments[claim_id] != 1:
            problems.append(f"claim {claim_id}: {payments[claim_id]} payments for one pay")
    in_db = Counter(action for stored in events.values() for action, _to in stored)
    in_client = Counter(seen["transitions_2xx"])
    if in_db != in_client:
        problems.append(f"transition counts differ: database {dict(in_db)}, client {dict(in_client)}")
    totals = {"claims_checked": len(set(claims) | set(events)), "events": dict(sorted(in_db.items())),
              "payments": sum(payments.values())}
    return problems, totals


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print(__doc__)
        return 2
    _setup_django()
    seen = json.loads(Path(argv[0]).read_text())
    problems, totals = check(seen)
    print(f"\nlost-update check: {totals['claims_checked']} claims, events {totals['events']}, "
          f"payments {totals['payments']}")
    for line in problems[:30]:
        print("  MISMATCH " + line)
    print("lost-update check: " + (f"FAILED, {len(problems)} mismatches" if problems else "OK, no lost updates"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
