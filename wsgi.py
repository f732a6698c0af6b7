"""Entry point for WSGI servers: `gunicorn wsgi:app`, and `make run`."""
import gc
import os

from roombook import create_app
from roombook.db import db
from roombook.jobs import start as start_scheduler

app = create_app({"ROOMBOOK_MIGRATIONS": False})  # serving never migrates (see roombook.db.init_app)
PRELOADED_BY_GUNICORN = os.environ.get("ROOMBOOK_PRELOADED_BY") == "gunicorn"
# Pages that need no database: serving them once in gunicorn's master builds what every request path
# shares (the request pipeline, the page layout, forms, the API document) before the workers are forked.
WARM_UP_PATHS = ("/api/v1/ping", "/login", "/api/v1/openapi.json", "/api/v1/docs")
# Then the public pages and feeds of the first accommodation, if the database answers (_pages_with_data), a few
# times: code a worker runs is written to as it runs (reference counts; Python 3.11's specialising interpreter
# rewrites a function's bytecode after its first calls), and what the master ran first is written less in the
# workers. 5 workers after bench/memory.py's warming: 236 → 223 MiB PSS.
WARM_UP_ROUNDS = 3


def runs_scheduler(app) -> bool:
    """Whether a serving process runs the jobs: ROOMBOOK_SCHEDULER if set; unset, only a server of one
    process does (`make run`). gunicorn's workers leave them to `flask scheduler`, one process for the
    whole site (deploy/roombook-scheduler.service), instead of one scheduler and its threads per worker."""
    configured = app.config["ROOMBOOK_SCHEDULER"]
    return (not PRELOADED_BY_GUNICORN) if configured is None else bool(configured)


def prepare_to_fork(app) -> None:
    """In gunicorn's master, once the app is loaded and before any worker is forked (deploy/gunicorn.conf.py).

    A worker shares the master's memory until it writes to a page, and CPython writes to every object it
    uses (its reference count) and to every object a pass of the cyclic garbage collector walks over.
    `gc.freeze()` takes what the master holds out of those passes for good (none of it is garbage: it lives
    as long as the process), and what the app would otherwise build lazily in every worker on its first
    requests (compiled templates, catalogs and locale data, mapper configuration, the request pipeline's
    own first-use set-up) is built here once, to be shared. bench/memory.py measures the effect.
    """
    import sqlalchemy.orm
    from babel import localedata

    from roombook import i18n
    from roombook.i18n import public_texts

    sqlalchemy.orm.configure_mappers()
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)
    for language in i18n.LANGUAGES:
        i18n.catalog(language)
    for code in public_texts.LANGUAGES:
        localedata.load(code)  # the language's CLDR data (dates on the public pages)
    # Not OR-Tools: a room change whose series compete imports its compiled CP-SAT helper in the worker that
    # needs it (about 50 ms, once), so the master and the workers that never plan stay without it.
    client = app.test_client()
    paths = WARM_UP_PATHS + _pages_with_data(app)
    for _ in range(WARM_UP_ROUNDS):
        for path in paths:
            client.get(path)
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()  # the pages above read the database: no worker inherits the master's connections
    gc.collect()
    gc.freeze()


def _pages_with_data(app) -> tuple[str, ...]:
    """The public pages and feeds of the first accommodation and room; none if the database is not there yet
    (not migrated, unreachable): the master starts all the same, its workers just share less."""
    import sqlalchemy as sa

    from roombook.models import Accommodation, Room

    try:
        with app.app_context():
            place = db.session.scalar(sa.select(Accommodation.key).order_by(Accommodation.id).limit(1))
            room = db.session.scalar(sa.select(Room.key).order_by(Room.id).limit(1))
            db.session.remove()
    except sa.exc.SQLAlchemyError:
        return ()
    if place is None or room is None:
        return ()
    return ("/", f"/accommodations/{place}", f"/accommodations/{place}/offers?lang=ar",
            f"/accommodations/{place}/poster", f"/calendars/accommodation/{place}.ics", f"/calendars/room/{room}.ics")


def start_serving_process(app) -> None:
    """What each serving process needs of its own: database connections, and the scheduler if it runs one."""
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)  # connections a parent made are the parent's (SQLAlchemy's fork rule)
    if runs_scheduler(app):
        start_scheduler(app)


# gunicorn with preload_app imports this module once in its master, calls prepare_to_fork before the
# first fork and start_serving_process in every worker after it (deploy/gunicorn.conf.py); every other
# server serves from this process.
if not PRELOADED_BY_GUNICORN:
    start_serving_process(app)
