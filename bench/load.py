"""Load benchmark: gunicorn + PostgreSQL on this machine, a city of 100 accommodations.

    scripts/with-postgres.sh .venv/bin/python bench/load.py            # a throwaway cluster
    ROOMBOOK_DATABASE_URL=postgresql+psycopg://… .venv/bin/python bench/load.py --reuse

For each endpoint (the week view, a room's availability, booking creation, a room's calendar feed)
the same run measures a trivial endpoint of the same app (`GET /api/v1/ping`, no database) right
before it: requests per second with N closed-loop clients, and p50/p99 latency. The ratio of the
two throughputs is the figure that carries over to other machines. Then availability and booking
creation are offered at a fixed rate (default 100 requests/s, open loop: latency counts from the
moment a request was due, so a stalled server cannot hide its queue).

Every loop is bounded in time and count, and only loopback addresses are ever contacted.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from roombook import clock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
MAX_REQUESTS_PER_PHASE = 200_000
ENDPOINTS = ("week view", "availability", "booking creation", "room feed")


# --- the city ---------------------------------------------------------------------------------------

def prepare_database(url: str, houses: int) -> dict:
    """Migrate, load the demo city plus `houses` generated accommodations, and make an admin token."""
    import sqlalchemy as sa

    sys.path.insert(0, str(ROOT / "bench"))
    from scenario_gen import generate

    from roombook import create_app
    from roombook.access.accounts import create_user
    from roombook.access.api_tokens import create_api_token
    from roombook.db import db, transaction
    from roombook.models import Accommodation, Room
    from roombook.scenario.demo import load_demo
    from roombook.scenario.importer import import_scenario

    app = create_app({"ROOMBOOK_DATABASE_URL": url, "ROOMBOOK_SCHEDULER": False})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        if not db.session.scalar(sa.select(sa.func.count()).select_from(Accommodation)):
            scenario = generate(houses - 4, seed=7)
            with transaction():
                import_scenario(db.session, scenario)
            with transaction():
                load_demo(db.session, clock.today())
        with transaction():
            admin = create_user(db.session, f"bench-{time.time_ns()}@example.org", "admin", os.urandom(8).hex())
            _token, secret = create_api_token(db.session, admin, "bench")
        rooms = db.session.scalars(sa.select(Room).order_by(Room.id)).all()
        places = db.session.scalars(sa.select(Accommodation).order_by(Accommodation.id)).all()
        demo_place = next((p for p in places if p.rooms and not p.key.startswith("h")), places[0])
        info = {"token": secret, "room_ids": [r.id for r in rooms], "room_key": demo_place.rooms[0].key,
                "room_id": demo_place.rooms[0].id, "place_key": demo_place.key, "accommodations": len(places)}
        db.engine.dispose()
    return info


# --- the server -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(url: str, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "ROOMBOOK_DATABASE_URL": url, "ROOMBOOK_BIND": f"127.0.0.1:{port}",
           "ROOMBOOK_WORKERS": str(workers)}
    process = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--access-logfile",
                                "/dev/null", "--log-level", "warning", "wsgi:app"],
                               cwd=ROOT, env=env, start_new_session=True)
    base = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if request(base, "GET", "/api/v1/ping", {})[0] == 200:
                return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def request(base: str, method: str, path: str, headers: dict, body: bytes | None = None) -> tuple[int, float]:
    """One request on a fresh connection (gunicorn's sync workers close each one); (status, seconds)."""
    host, port = base.rsplit(":", 1)
    if host not in LOOPBACK:
        raise SystemExit(f"refusing to load {host}: loopback only")
    started = time.perf_counter()
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        conn.close()


# --- where the CPU goes -----------------------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> list[tuple[int, int, str, float]]:
    """(pid, parent pid, command name, CPU seconds so far incl. reaped children) of every process."""
    rows = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        # own user + system time, plus that of reaped children (recycled workers, ended backends)
        rows.append((int(entry.name), int(fields[1]), name, sum(int(f) for f in fields[11:15]) / TICKS))
    return rows


def _tree(rows, root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, ppid, _name, _cpu in rows:
        children.setdefault(ppid, []).append(pid)
    found, stack = set(), [root]
    while stack:
        pid = stack.pop()
        found.add(pid)
        stack.extend(children.get(pid, []))
    return found


def postmaster_pid(port: int) -> int | None:
    """The PostgreSQL server listening on `port` (other clusters on the machine are not ours to count)."""
    for entry in Path("/proc").iterdir():
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0") if entry.name.isdigit() else []
        except OSError:
            continue
        if args and args[0].endswith(b"postgres") and (b"-p %d" % port in b" ".join(args)):
            return int(entry.name)
    return None


def cpu_split(server_pid: int, postgres_pid: int | None) -> dict[str, float]:
    """CPU seconds used so far by the app server (gunicorn and its workers), its PostgreSQL, and this client."""
    rows = _processes()
    server = _tree(rows, server_pid)
    postgres = _tree(rows, postgres_pid) if postgres_pid else set()
    mine = os.times()
    return {"server": sum(cpu for pid, _p, _n, cpu in rows if pid in server),
            "postgres": sum(cpu for pid, _p, _n, cpu in rows if pid in postgres),
            "client": mine.user + mine.system}


# --- the workloads ----------------------------------------------------------------------------------

class Workload:
    """Makes the next request of one kind; booking creation walks through free slots, one each."""

    def __init__(self, name: str, info: dict, today: dt.date):
        self.name, self.info = name, info
        self.auth = {"Authorization": f"Bearer {info['token']}"}
        self.lock = threading.Lock()
        self.counter = 0
        self.today = today
        # far enough ahead to be free: weekdays (every room is open then) that are no public holiday
        # (rooms are closed on those)
        import holidays

        first = today + dt.timedelta(days=400)
        days = [first + dt.timedelta(days=i) for i in range(3000)]
        closed = holidays.country_holidays("DE", subdiv="NW", years=sorted({d.year for d in days}))
        self.weekdays = [d for d in days if d.weekday() < 5 and d not in closed]

    def next(self) -> tuple[str, str, dict, bytes | None, int]:
        info = self.info
        if self.name == "trivial":
            return "GET", "/api/v1/ping", {}, None, 200
        if self.name == "week view":
            return "GET", f"/accommodations/{info['place_key']}", {}, None, 200
        if self.name == "room feed":
            return "GET", f"/calendars/room/{info['room_key']}.ics", {}, None, 200
        if self.name == "availability":
            day = self.today + dt.timedelta(days=1)
            return ("GET", f"/api/v1/rooms/{info['room_id']}/availability?from={day}&to={day + dt.timedelta(days=7)}",
                    self.auth, None, 200)
        if self.name == "booking creation":
            with self.lock:
                n = self.counter
                self.counter += 1
            rooms = info["room_ids"]
            room = rooms[n % len(rooms)]
            slot = n // len(rooms)  # per room: weekday after weekday, 8 slots a day from 09:00 (local; every room
            # is open 09:00-17:00 on weekdays)
            day = self.weekdays[slot // 8]
            hour = 9 + slot % 8
            body = json.dumps({"room": room, "start": f"{day}T{hour:02}:00", "end": f"{day}T{hour:02}:45",
                               "title": "Lastprobe"}).encode()
            return "POST", "/api/v1/bookings", {**self.auth, "Content-Type": "application/json"}, body, 201
        raise ValueError(self.name)


def closed_loop(base: str, workload: Workload, clients: int, seconds: float) -> dict:
    """`clients` threads each sending the next request as soon as the last one answered."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        mine, bad = [], 0
        while time.monotonic() < stop_at and len(mine) < MAX_REQUESTS_PER_PHASE // clients:
            method, path, headers, body, expected = workload.next()
            status, took = request(base, method, path, headers, body)
            mine.append(took)
            bad += status != expected
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    return summarise(latencies, time.monotonic() - started, errors[0])


def open_loop(base: str, workload: Workload, rate: float, seconds: float) -> dict:
    """Requests due every 1/rate s; latency counts from when each was due (no coordinated omission)."""
    total = min(int(rate * seconds), MAX_REQUESTS_PER_PHASE)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = time.perf_counter() + 0.2

    def fire(i: int) -> None:
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        method, path, headers, body, expected = workload.next()
        status, _took = request(base, method, path, headers, body)
        finished = time.perf_counter()
        with lock:
            latencies.append(finished - due)
            errors[0] += status != expected

    with ThreadPoolExecutor(max_workers=32) as pool:
        for i in range(total):
            pool.submit(fire, i)
    return summarise(latencies, time.perf_counter() - start, errors[0])


def measured(server_pid: int, postgres_pid: int | None, phase) -> tuple[dict, dict[str, float]]:
    """Run a phase; its result and the CPU milliseconds per request of each part."""
    before = cpu_split(server_pid, postgres_pid)
    result = phase()
    after = cpu_split(server_pid, postgres_pid)
    n = max(result["n"], 1)
    return result, {part: (after[part] - before[part]) * 1000 / n for part in before}


def summarise(latencies: list[float], seconds: float, errors: int) -> dict:
    ordered = sorted(latencies)
    if not ordered:
        return {"n": 0, "rps": 0.0, "p50": 0.0, "p99": 0.0, "errors": errors}
    return {"n": len(ordered), "rps": len(ordered) / seconds, "errors": errors,
            "p50": statistics.median(ordered) * 1000, "p99": ordered[min(len(ordered) - 1,
                                                                         int(len(ordered) * 0.99))] * 1000}


# --- the run ----------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("ROOMBOOK_TEST_DATABASE_URL")
                        or os.environ.get("ROOMBOOK_DATABASE_URL"))
    parser.add_argument("--accommodations", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8.0, help="per phase")
    parser.add_argument("--rate", type=float, default=100.0, help="requests/s of the fixed-rate phases")
    parser.add_argument("--only", default=",".join(ENDPOINTS), help="comma-separated endpoints to measure")
    args = parser.parse_args()
    if not args.database_url or not args.database_url.startswith("postgresql"):
        raise SystemExit("needs PostgreSQL: run under scripts/with-postgres.sh or set ROOMBOOK_DATABASE_URL")
    host = urlsplit(args.database_url.replace("+psycopg", "")).hostname
    if host not in LOOPBACK and host is not None:
        raise SystemExit("the benchmark database must be on loopback")

    info = prepare_database(args.database_url, args.accommodations)
    process, base = start_gunicorn(args.database_url, args.workers)
    postgres = postmaster_pid(urlsplit(args.database_url.replace("+psycopg", "")).port or 5432)
    today = clock.today()
    # one workload per kind for the whole run: booking creation keeps walking on to free slots
    workloads = {name: Workload(name, info, today)
                 for name in ("trivial", "week view", "availability", "booking creation", "room feed")}
    try:
        for name in ("trivial", "week view", "availability", "room feed"):  # warm every worker
            for _ in range(3 * args.workers):
                request(base, *workloads[name].next()[:4])
        with open("/proc/loadavg") as fh:
            load_before = fh.read().split()[0]
        print(f"load average before: {load_before}; gunicorn {args.workers} workers, PostgreSQL, "
              f"{info['accommodations']} accommodations, "
              f"{len(info['room_ids'])} rooms, {os.cpu_count()} cores; {args.clients} closed-loop clients, "
              f"{args.seconds:.0f} s per phase\n")
        print("| endpoint | req/s | p50 ms | p99 ms | trivial req/s (same run) | ratio | errors "
              "| CPU ms per request: app / PostgreSQL / client (trivial: app / client) |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        chosen = [name.strip() for name in args.only.split(",")]
        for name in [n for n in ENDPOINTS if n in chosen]:
            trivial, trivial_cpu = measured(process.pid, postgres, lambda: closed_loop(base, workloads["trivial"],
                                                                             args.clients, args.seconds))
            target, cpu = measured(process.pid, postgres, lambda: closed_loop(base, workloads[name], args.clients,
                                                                    args.seconds))
            database_cpu = f"{cpu['postgres']:.2f}" if postgres else "n/a"  # a server not found on the port
            print(f"| {name} | {target['rps']:.0f} | {target['p50']:.1f} | {target['p99']:.1f} | "
                  f"{trivial['rps']:.0f} | {target['rps'] / trivial['rps']:.2f} | {target['errors']} | "
                  f"{cpu['server']:.2f} / {database_cpu} / {cpu['client']:.2f} "
                  f"({trivial_cpu['server']:.2f} / {trivial_cpu['client']:.2f}) |", flush=True)
        print(f"\nFixed rate {args.rate:.0f} requests/s, {args.seconds:.0f} s, open loop:\n")
        print("| endpoint | achieved req/s | p50 ms | p99 ms | errors |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name in [n for n in ("trivial", "availability", "booking creation") if n == "trivial" or n in chosen]:
            result = open_loop(base, workloads[name], args.rate, args.seconds)
            print(f"| {name} | {result['rps']:.0f} | {result['p50']:.1f} | {result['p99']:.1f} | "
                  f"{result['errors']} |", flush=True)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
