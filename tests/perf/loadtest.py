"""A bounded load test of the insurer claims API: Python standard library only, loopback only.

    python3 tests/perf/loadtest.py --base-url http://127.0.0.1:8765 --key-file KEY \
        --claims 1000 --threads 8 --max-seconds 120 --json /tmp/load.json

What an insurer's claim system does, from several threads at once: poll `claims/?updated_since=`
and `?status=reported`, read details, and work claims register → approve → pay (some get
request-documents, some reject) with `If-Match: "<version>"`. For a share of claims two threads
send the same transition with the same version at the same moment: exactly one must win and the
other get 412 (or 409). Every 5xx or connection error counts as an error. Pay carries an
Idempotency-Key, and some pays are sent twice with it: the second must replay, not pay again.

Bounded: a fixed number of claims, a wall-clock cap (--max-seconds) after which no new claim is
started, a timeout on every request; it refuses any host but 127.0.0.1. Not a pytest file (its
name does not start with test_) and it installs nothing: the venv under test stays as shipped.
With --check-python, the "no lost updates" check (tests/perf/loadcheck.py, which needs Django)
runs afterwards against the server's database; a mismatch makes the exit status non-zero.
"""

import argparse
import http.client
import json
import os
import queue
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone

API = "/api/v1/claims/"
LOOPBACK = "127.0.0.1"
REJECT_REASONS = ["no_liability", "not_covered", "insufficient_documents"]


class Client:
    """One keep-alive connection per thread (gunicorn's sync workers close it; http.client
    reopens), every response timed and counted."""

    def __init__(self, run, host, port):
        self.run, self.host, self.port = run, host, port
        self.conn = None

    def request(self, kind, method, path, body=None, headers=None):
        """(status, json or None, response headers); status 0 for a connection error."""
        all_headers = dict(self.run.headers)
        all_headers.update(headers or {})
        payload = json.dumps(body).encode() if body is not None else None
        began = time.perf_counter()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.run.timeout)
            self.conn.request(method, path, body=payload, headers=all_headers)
            response = self.conn.getresponse()
            raw = response.read()
            status, got = response.status, {k.lower(): v for k, v in response.getheaders()}
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = None
            self.run.record(kind, 0, time.perf_counter() - began, f"{method} {path}: {exc!r}")
            return 0, None, {}
        elapsed = time.perf_counter() - began
        data = None
        if raw and got.get("content-type", "").startswith("application/json"):
            data = json.loads(raw)
        note = None
        if status >= 500 or status == 429:
            note = f"{method} {path} → {status} {raw[:300]!r} request-id={got.get('x-request-id', '')}"
        self.run.record(kind, status, elapsed, note)
        return status, data, got


class Run:
    """Shared counters of one run (a lock around every update: threads write them)."""

    def __init__(self, args, key):
        self.args = args
        self.timeout = args.timeout
        self.headers = {
            "Authorization": f"Bearer {key}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "Accept-Language": "en",
            # As behind the TLS-terminating proxy of a production deployment: production settings
            # redirect plain http to https unless the proxy says the request came over https.
            "X-Forwarded-Proto": "https",
        }
        self.lock = threading.Lock()
        self.latency = defaultdict(list)
        self.statuses = defaultdict(Counter)
        self.errors = []
        self.unexpected = []
        self.races = []
        self.replays = Counter()
        self.claims = {}  # id → {"start_version", "transitions": [[action, version], ...], "status"}
        self.deadline = time.monotonic() + args.max_seconds
        self.capped = False

    def record(self, kind, status, elapsed, note=None):
        with self.lock:
            self.latency[kind].append(elapsed)
            self.statuses[kind][status] += 1
            if status == 0 or status >= 500 or status == 429:
                self.errors.append(note)

    def odd(self, message):
        with self.lock:
            self.unexpected.append(message)

    def out_of_time(self):
        return time.monotonic() >= self.deadline


def _quote(params):
    return "?" + urllib.parse.urlencode(params) if params else ""


def discover(run, client, wanted):
    """The insurer's work queue: reported claims, oldest first (the API's default for insurers)."""
    ids, page = [], 1
    while len(ids) < wanted:
        status, data, _ = client.request("list:discover", "GET", API + _quote({"status": "reported", "page": page,
                                                                           "page_size": 500}))
        if status != 200:
            raise SystemExit(f"Could not list reported claims: HTTP {status}")
        ids.extend(row["id"] for row in data["results"])
        if not data["next"]:
            break
        page += 1
    return ids[:wanted]


def poller(run, client, done):
    """Poll for changes as an integration does, until the workers finish or time is up."""
    since = datetime.now(timezone.utc) - timedelta(minutes=5)
    while not done.is_set() and not run.out_of_time():
        now = datetime.now(timezone.utc)
        status, data, _ = client.request("list:updated_since", "GET",
                                         API + _quote({"updated_since": since.isoformat(), "page_size": 100}))
        if status == 200 and "count" not in data:
            run.odd("updated_since list without count")
        since = now - timedelta(seconds=1)  # overlap a second: clocks and commits are not instant
        client.request("list:reported", "GET", API + _quote({"status": "reported", "page_size": 50}))
        done.wait(run.args.poll_pause)


class Worker:
    """Works claims from the queue one at a time; a share of transitions is raced."""

    def __init__(self, run, client):
        self.run, self.client = run, client

    def transition(self, claim, action, body, version, headers=None):
        """POST the action; returns the new version or None (and notes what was odd)."""
        headers = {"If-Match": f'"{version}"', **(headers or {})}
        status, data, _ = self.client.request(f"post:{action}", "POST", f"{API}{claim}/{action}/", body, headers)
        if status == 200:
            self._won(claim, action, version, data)
            return data["version"]
        if status:
            self.run.odd(f"claim {claim} {action} v{version}: HTTP {status} {data}")
        return None

    def _won(self, claim, action, version, data):
        with self.run.lock:
            entry = self.run.claims[claim]
            entry["transitions"].append([action, data["version"]])
            entry["status"] = data["status"]
        if data["version"] != version + 1:
            self.run.odd(f"claim {claim} {action}: version {version} → {data['version']}, expected +1")

    def race(self, claim, action, body, version):
        """Two threads, same action, same If-Match, released together: one 200, one 412/409."""
        barrier = threading.Barrier(2)
        results = [None, None]

        def one(slot, client):
            try:
                barrier.wait(timeout=10)
            except threading.BrokenBarrierError:
                pass
            results[slot] = client.request(f"race:{action}", "POST", f"{API}{claim}/{action}/", body,
                                           {"If-Match": f'"{version}"'})

        second = Client(self.run, self.client.host, self.client.port)
        other = threading.Thread(target=one, args=(1, second))
        other.start()
        one(0, self.client)
        other.join()
        if second.conn is not None:
            second.conn.close()
        codes = sorted(r[0] for r in results)
        winners = [r for r in results if r[0] == 200]
        losers = [r[0] for r in results if r[0] != 200]
        ok = len(winners) == 1 and losers[0] in (409, 412)
        with self.run.lock:
            self.run.races.append({"claim": claim, "action": action, "statuses": codes, "ok": ok})
        if not ok:
            self.run.odd(f"race on claim {claim} {action} v{version}: statuses {codes}")
        if winners:
            for status, data, _ in winners:
                self._won(claim, action, version, data)
            return winners[0][1]["version"]
        return None

    def step(self, claim, action, body, version, raced):
        if raced == action:
            return self.race(claim, action, body, version)
        return self.transition(claim, action, body, version)

    def work(self, claim):
        rng = random.Random(f"{self.run.args.seed}-{claim}")
        status, data, _ = self.client.request("detail", "GET", f"{API}{claim}/")
        if status != 200:
            self.run.odd(f"claim {claim} detail: HTTP {status}")
            return
        version = data["version"]
        with self.run.lock:
            self.run.claims[claim] = {"start_version": version, "transitions": [], "status": data["status"]}
        if data["status"] != "reported":
            self.run.odd(f"claim {claim} was {data['status']}, not reported")
            return
        raced = None
        if rng.random() < self.run.args.race_share:
            raced = rng.choice(["register", "approve", "pay"])
        fate = rng.random()
        version = self.step(claim, "register", {"reference": f"LT-{claim}"}, version, raced)
        if version is None:
            return
        if fate < 0.1:
            self.transition(claim, "request-documents", {"note": "请补充病历和发票"}, version)
            return
        if fate < 0.2:
            self.transition(claim, "reject", {"reason": rng.choice(REJECT_REASONS), "note": "经核查"}, version)
            return
        amount = data["claimed_amount"]
        version = self.step(claim, "approve", {"approved_amount": amount}, version, raced)
        if version is None:
            return
        # Read the claim back before paying, as a payment system would.
        self.client.request("detail", "GET", f"{API}{claim}/")
        pay = {"paid_amount": amount, "paid_on": date.today().isoformat(), "reference": f"PAY-{claim}"}
        if raced == "pay":
            self.race(claim, "pay", pay, version)
            return
        key = {"Idempotency-Key": f"load-{self.run.args.seed}-{claim}-pay"}
        new = self.transition(claim, "pay", pay, version, key)
        if new is not None and rng.random() < self.run.args.replay_share:
            # The client lost the answer and sends the same request again: same key, first result.
            status, again, got = self.client.request("post:pay-replay", "POST", f"{API}{claim}/pay/", pay,
                                                     {"If-Match": f'"{version}"', **key})
            replayed = status == 200 and got.get("idempotent-replayed") == "true" and again["version"] == new
            with self.run.lock:
                self.run.replays["ok" if replayed else "failed"] += 1
            if not replayed:
                self.run.odd(f"claim {claim} pay replay: HTTP {status} {got.get('idempotent-replayed')}")

    def loop(self, work):
        while not self.run.out_of_time():
            try:
                claim = work.get_nowait()
            except queue.Empty:
                return
            self.work(claim)
        with self.run.lock:
            self.run.capped = self.run.capped or not work.empty()


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(run, seconds):
    kinds = {}
    for kind in sorted(run.latency):
        values = run.latency[kind]
        kinds[kind] = {
            "requests": len(values),
            "median_ms": round(statistics.median(values) * 1000, 1),
            "p95_ms": round(percentile(values, 0.95) * 1000, 1),
            "statuses": {str(k): v for k, v in sorted(run.statuses[kind].items())},
        }
    total = sum(len(v) for v in run.latency.values())
    codes = Counter()
    for counter in run.statuses.values():
        codes.update(counter)
    transitions = Counter(action for entry in run.claims.values() for action, _v in entry["transitions"])
    won = sum(1 for race in run.races if race["ok"])
    return {
        "started_at": run.started_at,
        # The machine's load while it ran: on a shared 2-core box other work skews every figure.
        "load_average": {"start": run.load_start, "end": [round(x, 2) for x in os.getloadavg()]},
        "seconds": round(seconds, 2),
        "requests": total,
        "throughput_rps": round(total / seconds, 1) if seconds else 0.0,
        "statuses": {str(k): v for k, v in sorted(codes.items())},
        "errors": len(run.errors),
        "error_samples": run.errors[:20],
        "unexpected": run.unexpected[:50],
        "unexpected_count": len(run.unexpected),
        "races": {"total": len(run.races), "won_by_exactly_one": won,
                  "by_action": dict(Counter(r["action"] for r in run.races))},
        "replays": dict(run.replays),
        "transitions_2xx": dict(sorted(transitions.items())),
        "claims_worked": len(run.claims),
        "capped": run.capped,
        "kinds": kinds,
        "config": {k: v for k, v in vars(run.args).items() if k not in ("key", "key_file")},
        "claims": {str(k): v for k, v in run.claims.items()},
    }


def print_table(result):
    print(f"\n{'kind':<24}{'requests':>9}{'median ms':>11}{'p95 ms':>9}  statuses")
    for kind, row in result["kinds"].items():
        statuses = " ".join(f"{code}:{n}" for code, n in row["statuses"].items())
        print(f"{kind:<24}{row['requests']:>9}{row['median_ms']:>11}{row['p95_ms']:>9}  {statuses}")
    races = result["races"]
    print(f"\nrequests {result['requests']} in {result['seconds']} s = {result['throughput_rps']} req/s; "
          f"claims worked {result['claims_worked']}{' (stopped at --max-seconds)' if result['capped'] else ''}")
    print(f"load average (1/5/15 min) at start {result['load_average']['start']}, "
          f"at end {result['load_average']['end']}")
    print("status codes: " + " ".join(f"{k}:{v}" for k, v in result["statuses"].items()))
    print(f"errors (5xx, 429, connection): {result['errors']}")
    print(f"races won by exactly one: {races['won_by_exactly_one']}/{races['total']} {races['by_action']}")
    print(f"pay replays (Idempotency-Key): {result['replays']}")
    print(f"2xx transitions seen: {result['transitions_2xx']}")
    print(f"unexpected answers: {result['unexpected_count']}")
    for line in result["error_samples"][:5] + result["unexpected"][:5]:
        print("  " + line)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--key-file", help="file holding the insurer's API key (or set LOADTEST_API_KEY)")
    parser.add_argument("--claims", type=int, default=300, help="reported claims to work (default 300)")
    parser.add_argument("--threads", type=int, default=8, help="claim workers (default 8)")
    parser.add_argument("--pollers", type=int, default=2, help="threads polling the lists (default 2)")
    parser.add_argument("--poll-pause", type=float, default=1.0, help="seconds between a poller's rounds")
    parser.add_argument("--race-share", type=float, default=0.1, help="share of claims with a raced transition")
    parser.add_argument("--replay-share", type=float, default=0.1, help="share of pays sent twice")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="no new claim is started after this")
    parser.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--check-python", help="a Python with Django and the project: run tests/perf/loadcheck.py after")
    args = parser.parse_args(argv)
    url = urllib.parse.urlsplit(args.base_url)
    if url.scheme != "http" or url.hostname != LOOPBACK:
        parser.error(f"refusing {args.base_url}: the load test only targets http://{LOOPBACK}:PORT")
    args.port = url.port or 80
    return args


def main(argv=None):
    args = parse_args(argv)
    key = os.environ.get("LOADTEST_API_KEY") or (open(args.key_file).read().strip() if args.key_file else "")
    if not key:
        raise SystemExit("No API key: --key-file or LOADTEST_API_KEY.")
    run = Run(args, key)
    run.started_at = datetime.now(timezone.utc).isoformat()
    run.load_start = [round(x, 2) for x in os.getloadavg()]
    began = time.perf_counter()
    ids = discover(run, Client(run, LOOPBACK, args.port), args.claims)
    print(f"{len(ids)} reported claims to work, {args.threads} workers, {args.pollers} pollers, "
          f"cap {args.max_seconds:.0f} s")
    work = queue.Queue()
    for claim in ids:
        work.put(claim)
    done = threading.Event()
    pollers = [threading.Thread(target=poller, args=(run, Client(run, LOOPBACK, args.port), done))
               for _ in range(args.pollers)]
    workers = [threading.Thread(target=Worker(run, Client(run, LOOPBACK, args.port)).loop, args=(work,))
               for _ in range(args.threads)]
    for thread in pollers + workers:
        thread.start()
    for thread in workers:
        thread.join()
    done.set()
    for thread in pollers:
        thread.join()
    result = summary(run, time.perf_counter() - began)
    print_table(result)
    failed = bool(result["errors"] or result["unexpected_count"]
                  or result["races"]["won_by_exactly_one"] != result["races"]["total"])
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result, out, indent=1)
    if args.check_python:
        if not args.json:
            raise SystemExit("--check-python needs --json (the check reads what the client saw).")
        here = os.path.dirname(os.path.abspath(__file__))
        checked = subprocess.run([args.check_python, os.path.join(here, "loadcheck.py"), args.json],
                                 cwd=os.path.dirname(os.path.dirname(here)))
        failed = failed or checked.returncode != 0
    print("\nLOAD TEST " + ("FAILED" if failed else "PASSED"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
