"""Does "Passwort vergessen?" tell by its time whether an address has an account? Known and unknown addresses
timed through the app, interleaved, and printed side by side.

    .venv/bin/python bench/accounts.py [--requests 300] [--database-url URL]
    scripts/with-postgres.sh sh -c '.venv/bin/python bench/accounts.py --database-url "$ROOMBOOK_TEST_DATABASE_URL"'

Each request is `POST /password/reset` through Flask's test client (no network; CSRF off, so no page is
fetched first), for a different address each time (the form allows three requests an hour per address) and
from a different network address (ten an hour per client). A known address gets its link (a token row and a
mail in the outbox), an unknown one the note that it has no account (a mail in the outbox). The two kinds
alternate, so a drift of the machine hits both alike. Prints the wall time per request: median, 90th
percentile and mean, and the median's difference.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import empty_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests of each kind")
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    args = parser.parse_args()

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from roombook import create_app
    from roombook.db import db
    from roombook.models import User

    url, _work = empty_database(args.database_url, "accounts")
    app = create_app({"ROOMBOOK_DATABASE_URL": url, "ROOMBOOK_SECRET_KEY": "bench", "ROOMBOOK_SCHEDULER": False,
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        db.session.execute(sa.insert(User), [{"email": f"known{n}@example.org", "role": "volunteer",
                                              "password_hash": "unused", "display_name": f"Known {n}"}
                                             for n in range(args.requests)])
        db.session.commit()
        db.session.remove()

    client = app.test_client()
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for n in range(args.requests):
        for kind in ("known", "unknown") if n % 2 else ("unknown", "known"):
            started = time.perf_counter()
            answer = client.post("/password/reset", data={"email": f"{kind}{n}@example.org"},
                                 environ_base={"REMOTE_ADDR": f"10.{n // 250}.{n % 250}.{1 if kind == 'known' else 2}"})
            times[kind].append(time.perf_counter() - started)
            assert answer.status_code == 302, (kind, answer.status_code)

    dialect = sa.engine.make_url(url).get_backend_name()
    print(f"POST /password/reset on {dialect}, {args.requests} requests of each kind (ms per request)")
    print(f"{'address':<10}{'median':>9}{'p90':>9}{'mean':>9}")
    for kind, values in times.items():
        ms = sorted(v * 1000 for v in values)
        print(f"{kind:<10}{statistics.median(ms):>9.2f}{ms[int(len(ms) * 0.9)]:>9.2f}{statistics.fmean(ms):>9.2f}")
    difference = statistics.median(times["known"]) - statistics.median(times["unknown"])
    print(f"median difference known - unknown: {difference * 1000:+.2f} ms")


if __name__ == "__main__":
    main()
