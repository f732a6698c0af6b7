"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py wsgi:app` (make serve-prod)."""
import multiprocessing
import os

bind = os.environ.get("ROOMBOOK_BIND", "127.0.0.1:8000")
# Sync workers: each request is short; 2 × cores + 1 keeps both cores busy while one waits on the database.
workers = int(os.environ.get("ROOMBOOK_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 60
graceful_timeout = 30
# A worker is replaced after this many requests, so a slow leak never grows for weeks.
max_requests = 2000
max_requests_jitter = 200
backlog = 512
# nginx on the same host is the only proxy whose X-Forwarded-* headers are trusted.
forwarded_allow_ips = "127.0.0.1"
accesslog = "-"
errorlog = "-"
