"""Race tests: run attempts at the same moment, each from a connection of its own (CTFd's barrier race)."""
from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence

from roombook.db import transaction


def at_once(app, db, attempts: Sequence[Callable[[], str]],
            refusals: Mapping[type[Exception], str] | None = None) -> list[str]:
    """Run each attempt in a thread of its own, with its own app context and connection, all released together
    by a barrier, each inside one `transaction()`; return the outcomes sorted: what the attempt returned, the
    name `refusals` gives its exception, or 'error: …' for anything else (a failure of the guarantee)."""
    refusals = refusals or {}
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(attempt: Callable[[], str]) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                with transaction():
                    result = attempt()
            except tuple(refusals) as exc:
                result = next(name for kind, name in refusals.items() if isinstance(exc, kind))
            except Exception as exc:
                result = f"error: {exc!r}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return sorted(outcomes)
