"""CPU per request inside the app's own process: the load benchmark's requests through Flask's test client
on PostgreSQL, without gunicorn, the HTTP client or the network.

    scripts/with-postgres.sh .venv/bin/python bench/request_cpu.py [--requests N] [--profile ENDPOINT [--sort tottime]]

`bench/load.py` gives the figure the issue asks for, but on this shared 2-core machine its numbers move
by 10-20 % between runs. This one measures only the process that serves the request (the test client's
own part included, the same for every endpoint) and the PostgreSQL server's processes (from `/proc`), best
of three rounds, so a change to a hot path shows even when the machine is noisy: run it on both sides of
the change, one after the other. The last column projects the ratio `bench/load.py` would show: its
trivial request's cost there plus what a request costs here beyond the trivial one (it matched the load
runs within 0.02). `--profile` prints where one endpoint's time goes (cProfile, CPU time).
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from load import (  # noqa: E402  (the same city and requests)
    ENDPOINTS,
    Workload,
    _processes,
    _tree,
    postmaster_pid,
    prepare_database,
)

from roombook import clock  # noqa: E402

ROUNDS = 3
# bench/load.py's trivial request on this machine (bench/README.md, 22:12 run): gunicorn worker and client CPU.
# The projection adds to it what a request costs here beyond the in-process trivial one, and PostgreSQL's CPU.
TRIVIAL_IN_LOAD_MS = 0.84


def postgres_cpu(url: str):
    """A function giving the CPU seconds used so far by the PostgreSQL server at `url` and its backends."""
    import sqlalchemy as sa

    postgres = postmaster_pid(int(sa.engine.make_url(url).port or 5432))

    def used() -> float:
        rows = _processes()
        tree = _tree(rows, postgres) if postgres else set()
        return sum(cpu for pid, _p, _n, cpu in rows if pid in tree)

    return used


def cpu_per_request(send, requests: int, postgres) -> tuple[float, float]:
    """(app, PostgreSQL) CPU ms per request: the round of `requests` with the least of both, best of ROUNDS."""
    for _ in range(min(200, requests)):  # warm: connections, prepared statements, caches
        send()
    best = (float("inf"), float("inf"))
    for _ in range(ROUNDS):
        app_started, postgres_started = time.process_time(), postgres()
        for _ in range(requests):
            send()
        took = ((time.process_time() - app_started) / requests * 1000,
                (postgres() - postgres_started) / requests * 1000)
        best = min(best, took, key=sum)
    return best


def projected_ratio(app_ms: float, postgres_ms: float, trivial_app_ms: float) -> float:
    """The ratio to the trivial endpoint that `bench/load.py` would show for a request costing this here."""
    return TRIVIAL_IN_LOAD_MS / (TRIVIAL_IN_LOAD_MS + app_ms - trivial_app_ms + postgres_ms)


def arguments(doc: str) -> argparse.ArgumentParser:
    """The options every in-process benchmark takes."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--accommodations", type=int, default=100)
    parser.add_argument("--requests", type=int, default=1000, help="per round")
    return parser


def city(args: argparse.Namespace) -> tuple[str, dict]:
    """The PostgreSQL database of scripts/with-postgres.sh, migrated and filled with the load benchmark's city."""
    url = os.environ.get("ROOMBOOK_TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        raise SystemExit("needs PostgreSQL: run under scripts/with-postgres.sh")
    return url, prepare_database(url, args.accommodations)


def sender(client, name: str, info: dict, *, path: str | None = None, first: int = 0):
    """A function sending the load benchmark's next request of kind `name` (to `path` instead, if given) through
    the test client; an answer other than the expected one ends the run. `first` is where booking starts in its
    walk through free slots, so that two runs book different ones."""
    workload = Workload(name, info, clock.today())
    workload.counter = first

    def send() -> None:
        method, default_path, headers, body, expected = workload.next()
        status = client.open(path or default_path, method=method, headers=headers, data=body).status_code
        if status != expected:
            raise SystemExit(f"{name}: {method} {path or default_path} answered {status}, expected {expected}")

    return send


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--profile", choices=ENDPOINTS, help="print a CPU profile of this endpoint")
    parser.add_argument("--sort", default="cumulative", choices=("cumulative", "tottime"),
                        help="the profile's order: time in a function with or without what it calls")
    args = parser.parse_args()
    url, info = city(args)

    from roombook import create_app

    client = create_app({"ROOMBOOK_DATABASE_URL": url, "ROOMBOOK_SCHEDULER": False}).test_client()
    postgres = postgres_cpu(url)

    if args.profile:
        send = sender(client, args.profile, info)
        cpu_per_request(send, args.requests, postgres)
        profile = cProfile.Profile(time.process_time)
        profile.runcall(lambda: [send() for _ in range(args.requests)])
        pstats.Stats(profile).sort_stats(args.sort).print_stats(40)
        return
    print(f"{info['accommodations']} accommodations, {args.requests} requests per round, best of {ROUNDS}\n")
    print("| endpoint | app CPU ms | PostgreSQL CPU ms | ratio it would give in bench/load.py |")
    print("| --- | ---: | ---: | ---: |")
    trivial_app = None
    for name in ("trivial", *ENDPOINTS):
        app_ms, postgres_ms = cpu_per_request(sender(client, name, info), args.requests, postgres)
        trivial_app = trivial_app if trivial_app is not None else app_ms
        ratio = projected_ratio(app_ms, postgres_ms, trivial_app)
        print(f"| {name} | {app_ms:.2f} | {postgres_ms:.2f} | {ratio:.2f} |", flush=True)


if __name__ == "__main__":
    main()
