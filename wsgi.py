"""Entry point for WSGI servers: `gunicorn wsgi:app`, and `make run`."""
import os

from roombook import create_app
from roombook.db import db
from roombook.jobs import start as start_scheduler

app = create_app()


def start_serving_process(app) -> None:
    """What each serving process needs of its own: database connections, and the scheduler if configured."""
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)  # connections a parent made are the parent's (SQLAlchemy's fork rule)
    if app.config["ROOMBOOK_SCHEDULER"]:
        start_scheduler(app)


# gunicorn with preload_app imports this module once in its master and calls start_serving_process in
# every worker after the fork (deploy/gunicorn.conf.py); every other server serves from this process.
if os.environ.get("ROOMBOOK_PRELOADED_BY") != "gunicorn":
    start_serving_process(app)
