"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py wsgi:app` (make serve-prod)."""
import multiprocessing
import os

from gunicorn.glogging import Logger

bind = os.environ.get("ROOMBOOK_BIND", "127.0.0.1:8000")
# One worker per core, each with a few threads: while a request waits on the database another thread of the
# same worker runs, so the cores stay busy as with 2 × cores + 1 sync workers, at the memory of fewer
# processes (every worker holds its own copy of what it touches; bench/memory.py: 5 sync workers 302 MiB PSS
# after warming, 2 workers with 4 threads 191 MiB, and bench/load.py as fast). The app keeps no per-process
# state a request writes without the database (`make run`'s server was threaded from the start).
workers = int(os.environ.get("ROOMBOOK_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("ROOMBOOK_THREADS", 4))
worker_class = "gthread" if threads > 1 else "sync"
timeout = 60
graceful_timeout = 30
# The app is imported once, in the master, and every worker is a fork of it: starting or recycling a
# worker costs a fork instead of a fresh import of the whole app (about a second of CPU, during which
# the other workers carry the load). Before the first fork the master builds what workers would each
# build on their first requests and freezes it for the garbage collector, so the workers keep sharing
# its memory (when_ready); each worker then opens its own database connections (post_fork; wsgi.py
# leaves both to these hooks).
preload_app = True
os.environ["ROOMBOOK_PRELOADED_BY"] = "gunicorn"


def when_ready(server):
    from wsgi import app, prepare_to_fork

    prepare_to_fork(app)


def post_fork(server, worker):
    from wsgi import app, start_serving_process

    start_serving_process(app)


# A worker is replaced after this many requests, so a slow leak never grows for weeks.
max_requests = 10000
max_requests_jitter = 1000
backlog = 512
# nginx on the same host is the only proxy whose X-Forwarded-* headers are trusted.
forwarded_allow_ips = "127.0.0.1"
accesslog = "-"
errorlog = "-"


class RedactingLogger(Logger):
    """gunicorn's logger, with the secret of a private feed link (/calendars/private/<secret>.ics) taken out
    of every access log field (request line, path, referrer …): a log line must not be a way into a feed."""

    def atoms(self, resp, req, environ, request_time):
        # imported here, in a worker: the app (preloaded from the working directory) is loaded by then
        from roombook.security import redact_secrets

        return {name: redact_secrets(value) if isinstance(value, str) else value
                for name, value in super().atoms(resp, req, environ, request_time).items()}


logger_class = RedactingLogger
