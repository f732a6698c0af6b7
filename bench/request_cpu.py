"""CPU per request inside the app's own process: the load benchmark's requests through Flask's test client
on PostgreSQL, without gunicorn, the HTTP client or the network.

    scripts/with-postgres.sh .venv/bin/python bench/request_cpu.py [--requests 1000] [--profile ENDPOINT [--sort tottime]]

`bench/load.py` gives the figure the issue asks for, but on this shared 2-core machine its numbers move
by 10-20 % between runs. This one measures only the process that serves the request (the test client's
own part included, the same for every endpoint), best of three rounds, so a change to a hot path shows
even when the machine is noisy: run it on both sides of the change, one after the other. PostgreSQL's own
CPU is not included. `--profile` prints where one endpoint's time goes (cProfile, CPU time).
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from load import ENDPOINTS, Workload, prepare_database  # noqa: E402  (the same city and requests)

ROUNDS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accommodations", type=int, default=100)
    parser.add_argument("--requests", type=int, default=1000, help="per round")
    parser.add_argument("--profile", choices=ENDPOINTS, help="print a CPU profile of this endpoint")
    parser.add_argument("--sort", default="cumulative", choices=("cumulative", "tottime"),
                        help="the profile's order: time in a function with or without what it calls")
    args = parser.parse_args()
    url = os.environ.get("ROOMBOOK_TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        raise SystemExit("needs PostgreSQL: run under scripts/with-postgres.sh")
    info = prepare_database(url, args.accommodations)

    from roombook import create_app

    app = create_app({"ROOMBOOK_DATABASE_URL": url, "ROOMBOOK_SCHEDULER": False})
    client = app.test_client()
    today = dt.date.today()

    def sender(name: str):
        workload = Workload(name, info, today)

        def send() -> None:
            method, path, headers, body, expected = workload.next()
            status = client.open(path, method=method, headers=headers, data=body).status_code
            if status != expected:
                raise SystemExit(f"{name}: {method} {path} answered {status}, expected {expected}")

        return send

    def cpu_ms(send) -> float:
        for _ in range(min(200, args.requests)):  # warm: connections, prepared statements, caches
            send()
        best = float("inf")
        for _ in range(ROUNDS):
            started = time.process_time()
            for _ in range(args.requests):
                send()
            best = min(best, (time.process_time() - started) / args.requests)
        return best * 1000

    if args.profile:
        send = sender(args.profile)
        cpu_ms(send)
        profile = cProfile.Profile(time.process_time)
        profile.runcall(lambda: [send() for _ in range(args.requests)])
        pstats.Stats(profile).sort_stats(args.sort).print_stats(40)
        return
    print(f"{info['accommodations']} accommodations, {args.requests} requests per round, best of {ROUNDS}\n")
    print("| endpoint | CPU ms per request |")
    print("| --- | ---: |")
    for name in ("trivial", *ENDPOINTS):
        print(f"| {name} | {cpu_ms(sender(name)):.2f} |", flush=True)


if __name__ == "__main__":
    main()
