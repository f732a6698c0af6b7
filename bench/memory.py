"""Memory of the production server: gunicorn's master and workers (deploy/gunicorn.conf.py) on PostgreSQL.

    scripts/with-postgres.sh .venv/bin/python bench/memory.py [--workers 5] [--requests 20]
    scripts/with-postgres.sh .venv/bin/python bench/memory.py --against b65e0a1 --repeat 3
    ROOMBOOK_DATABASE_URL=postgresql+psycopg://… .venv/bin/python bench/memory.py

Starts gunicorn as production does (the configuration file, `wsgi:app`, ROOMBOOK_WORKERS workers) and,
as deploy/roombook-scheduler.service does, one `flask scheduler` process (`--no-scheduler-process` leaves
it out). Then it reads PSS, RSS and the private part (USS) of every process from /proc/<pid>/smaps_rollup:
once after start, once after warming each endpoint family (public pages, feeds, the API, the management
pages of a logged-in coordinator) with a bounded number of requests from as many client threads as there
are workers (so every worker serves some), after waiting past the schedulers' first minute (their jobs run
then), and once after one plan run (`--no-plan-run` leaves it out), which loads the solver in the worker
that takes it. Only loopback is contacted; the city is bench/load.py's (the demo city plus generated
accommodations).

`--against REV` serves the code of commit REV too (its files unpacked to a temporary directory, the same
virtualenv, database and load), in turns with this tree's, `--repeat` times each, and ends with the medians.

PSS (proportional set size) divides each shared page among the processes that map it, so the PSS of all
processes adds up to what they cost the machine together; RSS counts every shared page in every process.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]  # this tree's roombook, not an installed one

from load import LOOPBACK, free_port, prepare_database, request  # noqa: E402

VENV_BIN = Path(sys.executable).parent
MAX_REQUESTS = 10_000  # per phase, whatever the arguments say


# --- reading memory ---------------------------------------------------------------------------------

def memory(pid: int) -> dict[str, float]:
    """PSS, RSS and USS (private pages) in MiB, and the thread count, of one process."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value) / 1024
    threads = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                   if line.startswith("Threads:"))
    return {"pss": fields["Pss"], "rss": fields["Rss"],
            "uss": fields["Private_Clean"] + fields["Private_Dirty"], "threads": threads}


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def table(title: str, master: int, scheduler: int | None) -> dict[str, float]:
    """Print one table of the server's processes; return the totals."""
    rows = [("master", master)] + [(f"worker {i + 1}", pid) for i, pid in enumerate(children(master))]
    print(f"\n{title}\n")
    print("| process | PSS MiB | RSS MiB | private MiB | threads |")
    print("| --- | ---: | ---: | ---: | ---: |")
    total = {"pss": 0.0, "rss": 0.0, "uss": 0.0}
    workers = {"pss": 0.0, "rss": 0.0}
    for name, pid in rows:
        m = memory(pid)
        print(f"| {name} | {m['pss']:.1f} | {m['rss']:.1f} | {m['uss']:.1f} | {m['threads']} |")
        for key in total:
            total[key] += m[key]
        if name != "master":
            workers["pss"] += m["pss"]
            workers["rss"] += m["rss"]
    print(f"| **master and {len(rows) - 1} workers** | **{total['pss']:.1f}** | {total['rss']:.1f} "
          f"| {total['uss']:.1f} | |")
    print(f"| workers alone | {workers['pss']:.1f} | {workers['rss']:.1f} | | |")
    if scheduler:
        m = memory(scheduler)
        print(f"| `flask scheduler` (its own process) | {m['pss']:.1f} | {m['rss']:.1f} | {m['uss']:.1f} "
              f"| {m['threads']} |")
    return {**total, "workers_pss": workers["pss"]}


# --- the server and the requests --------------------------------------------------------------------

def start(url: str, workers: int, calendars: str, scheduler_process: bool,
          tree: Path = ROOT) -> tuple[subprocess.Popen, subprocess.Popen | None, str]:
    """gunicorn (and the scheduler) serving the code of `tree`, this checkout or another one."""
    port = free_port()
    env = {**os.environ, "ROOMBOOK_DATABASE_URL": url, "ROOMBOOK_BIND": f"127.0.0.1:{port}",
           "ROOMBOOK_WORKERS": str(workers), "ROOMBOOK_CALENDARS_DIR": calendars, "PYTHONPATH": str(tree)}
    server = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--access-logfile",
                               "/dev/null", "--log-level", "warning", "wsgi:app"],
                              cwd=tree, env=env, start_new_session=True)
    scheduler = None
    if scheduler_process:
        scheduler = subprocess.Popen([str(VENV_BIN / "flask"), "--app", "roombook", "scheduler"], cwd=tree,
                                     env=env, start_new_session=True, stdout=subprocess.DEVNULL)
    base = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if request(base, "GET", "/api/v1/ping", {})[0] == 200 and len(children(server.pid)) == workers:
                return server, scheduler, base
        except OSError:
            pass
        time.sleep(0.2)
    stop(server, scheduler)
    raise SystemExit("gunicorn did not start")


def stop(*processes: subprocess.Popen | None) -> None:
    for process in processes:
        if process and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        if process:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


def session_cookie(base: str, email: str, password: str) -> str:
    """Log in through the form (CSRF token included); the cookie header of the session."""
    import http.client

    host, port = base.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    conn.close()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = urlencode({"csrf_token": token, "email": email, "password": password}).encode()
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("POST", "/login", body=body, headers={"Cookie": cookie,
                                                        "Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status != 302:
        raise SystemExit(f"login as {email} failed: {response.status}")
    return response.getheader("Set-Cookie").split(";")[0]


def families(info: dict, cookie: str) -> dict[str, list[tuple[str, str, dict, bytes | None]]]:
    """The endpoint families: (method, path, headers, body) of each."""
    import datetime as dt

    auth = {"Authorization": f"Bearer {info['token']}"}
    place, room_key, room_id = info["place_key"], info["room_key"], info["room_id"]
    day = dt.date.today() + dt.timedelta(days=1)
    browser = {"Cookie": cookie}
    return {
        "public pages": [("GET", "/", {}, None), ("GET", f"/accommodations/{place}", {}, None),
                         ("GET", f"/accommodations/{place}/offers?lang=ar", {}, None),
                         ("GET", f"/accommodations/{place}/poster", {}, None), ("GET", "/login", {}, None)],
        "feeds": [("GET", "/calendars/all.ics", {}, None), ("GET", f"/calendars/accommodation/{place}.ics", {}, None),
                  ("GET", f"/calendars/room/{room_key}.ics", {}, None),
                  ("GET", "/calendars/category/language_course.ics", {}, None)],
        "API": [("GET", "/api/v1/ping", {}, None), ("GET", "/api/v1/openapi.json", {}, None),
                ("GET", "/api/v1/docs", {}, None), ("GET", "/api/v1/rooms", auth, None),
                ("GET", f"/api/v1/rooms/{room_id}/availability?from={day}&to={day + dt.timedelta(days=7)}", auth,
                 None), ("GET", "/api/v1/occurrences", auth, None), ("GET", "/api/v1/plan-runs", auth, None)],
        "management pages": [("GET", path, browser, None) for path in (
            "/manage/", "/manage/coverage", "/manage/plans", "/manage/conflicts", "/manage/volunteers",
            "/manage/offers", "/manage/audit", "/manage/outbox", "/my/bookings")],
    }


def warm(base: str, calls: list[tuple[str, str, dict, bytes | None]], repeat: int, clients: int) -> dict[int, int]:
    """Each call `repeat` times from `clients` threads; the count of answers per status."""
    jobs = [call for call in calls for _ in range(repeat)][:MAX_REQUESTS]
    with ThreadPoolExecutor(max_workers=clients) as pool:
        statuses = list(pool.map(lambda call: request(base, *call)[0], jobs))
    return {status: statuses.count(status) for status in sorted(set(statuses))}


def plan_run(base: str, info: dict, timeout: float = 120) -> str:
    """One plan run for the demo accommodation (through the API, as a coordinator's click does); its status."""
    import http.client

    host, port = base.rsplit(":", 1)
    headers = {"Authorization": f"Bearer {info['token']}", "Content-Type": "application/json",
               "Idempotency-Key": os.urandom(8).hex()}
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("POST", "/api/v1/plan-runs", body=json.dumps({"scope": [info["place_id"]]}), headers=headers)
    response = conn.getresponse()
    answer = json.loads(response.read())
    conn.close()
    if response.status != 202:
        return f"refused ({response.status}: {answer})"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(1)
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        conn.request("GET", f"/api/v1/plan-runs/{answer['id']}", headers=headers)
        run = json.loads(conn.getresponse().read())
        conn.close()
        if run["status"] not in ("queued", "running"):
            return run["status"]
    return "still running"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("ROOMBOOK_TEST_DATABASE_URL")
                        or os.environ.get("ROOMBOOK_DATABASE_URL"))
    parser.add_argument("--accommodations", type=int, default=100)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20, help="of each endpoint, while warming")
    parser.add_argument("--settle", type=float, default=70.0,
                        help="seconds to wait after warming, so the schedulers' minute jobs have run")
    parser.add_argument("--no-scheduler-process", dest="scheduler_process", action="store_false")
    parser.add_argument("--no-plan-run", dest="plan_run", action="store_false")
    parser.add_argument("--against", metavar="REV", help="also serve the code of commit REV, in turns with this tree's")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each tree (with --against: in turns)")
    args = parser.parse_args()
    if not args.database_url or not args.database_url.startswith("postgresql"):
        raise SystemExit("needs PostgreSQL: run under scripts/with-postgres.sh or set ROOMBOOK_DATABASE_URL")
    if urlsplit(args.database_url.replace("+psycopg", "")).hostname not in LOOPBACK:
        raise SystemExit("the benchmark database must be on loopback")

    info = prepare_database(args.database_url, args.accommodations)
    info["place_id"] = place_id(args.database_url, info["place_key"])
    trees = {"this tree": ROOT}
    if args.against:
        trees = {f"before ({args.against})": checkout(args.against), **trees}
    results: dict[str, list[dict[str, dict[str, float]]]] = {name: [] for name in trees}
    try:
        for turn in range(args.repeat):
            for name, tree in trees.items():  # in turns, so a change in the machine's load meets both alike
                print(f"\n## {name}, run {turn + 1} of {args.repeat}")
                results[name].append(measure(args, info, tree))
    finally:
        for tree in trees.values():
            if tree != ROOT:
                shutil.rmtree(tree, ignore_errors=True)
    if len(trees) > 1 or args.repeat > 1:
        summary(results)


def measure(args: argparse.Namespace, info: dict, tree: Path) -> dict[str, dict[str, float]]:
    """One server's tables after start, warming and a plan run; the totals of each."""
    totals = {}
    login = coordinator(args.database_url)
    with tempfile.TemporaryDirectory(prefix="roombook-bench-calendars-") as calendars:
        server, scheduler, base = start(args.database_url, args.workers, calendars, args.scheduler_process, tree)
        try:
            with open("/proc/loadavg") as fh:
                load = fh.read().split()[0]
            git = subprocess.run(["git", "log", "-1", "--format=%h %s"], cwd=ROOT, capture_output=True,
                                 text=True).stdout.strip()[:70] if tree == ROOT else f"the tree in {tree}"
            print(f"{time.strftime('%Y-%m-%d %H:%M')}, at {git}; load average {load}; gunicorn with "
                  f"{args.workers} workers (deploy/gunicorn.conf.py), PostgreSQL, {info['accommodations']} "
                  f"accommodations; {'one `flask scheduler` process' if scheduler else 'no scheduler process'}")
            time.sleep(2)
            totals["started"] = table("Just started:", server.pid, scheduler and scheduler.pid)
            cookie = session_cookie(base, *login)
            answered = {name: warm(base, calls, args.requests, args.workers)
                        for name, calls in families(info, cookie).items()}
            print("\nWarmed (" + "; ".join(f"{name}: {len(calls)} endpoints × {args.requests}, statuses "
                                           f"{answered[name]}" for name, calls in families(info, cookie).items())
                  + f"), then {args.settle:.0f} s idle.")
            time.sleep(args.settle)
            totals["warmed"] = table("After warming:", server.pid, scheduler and scheduler.pid)
            if args.plan_run:
                status = plan_run(base, info)
                time.sleep(2)
                totals["planned"] = table(f"After one plan run of one accommodation ({status}):", server.pid,
                                          scheduler and scheduler.pid)
        finally:
            stop(server, scheduler)
    return totals


PHASES = {"started": "just started", "warmed": "after warming", "planned": "after one plan run"}


def summary(results: dict[str, list[dict[str, dict[str, float]]]]) -> None:
    """Medians over the runs of each tree: master and workers PSS and RSS, the workers' PSS alone."""
    print("\n## Medians (MiB; in brackets the runs' lowest and highest)\n")
    print("| phase | tree | runs | master + workers PSS | workers PSS | master + workers RSS |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for phase, title in PHASES.items():
        for name, runs in results.items():
            values = [run[phase] for run in runs if phase in run]
            if not values:
                continue

            def cell(key: str) -> str:
                numbers = [v[key] for v in values]
                return f"{statistics.median(numbers):.0f} ({min(numbers):.0f}–{max(numbers):.0f})"

            print(f"| {title} | {name} | {len(values)} | {cell('pss')} | {cell('workers_pss')} | {cell('rss')} |")


def checkout(revision: str) -> Path:
    """The files of `revision` in a temporary directory (git archive: no worktree is registered)."""
    target = Path(tempfile.mkdtemp(prefix="roombook-bench-before-"))
    archive = subprocess.run(["git", "archive", revision], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def place_id(url: str, key: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT id FROM accommodation WHERE key = :key"), {"key": key}).scalar_one()
    engine.dispose()
    return found


def coordinator(url: str) -> tuple[str, str]:
    """A coordinator login of this run's own (logins are rate-limited per account): email and password."""
    from roombook import create_app
    from roombook.access.accounts import create_user
    from roombook.db import db, transaction

    email, password = f"bench-coordinator-{time.time_ns()}@example.org", os.urandom(8).hex()
    app = create_app({"ROOMBOOK_DATABASE_URL": url, "ROOMBOOK_SCHEDULER": False})
    with app.app_context():
        with transaction():
            create_user(db.session, email, "coordinator", password)
        db.engine.dispose()
    return email, password


if __name__ == "__main__":
    main()
