"""Entry point for WSGI servers: `gunicorn wsgi:app`, and `make run`."""
from roombook import create_app
from roombook.scheduler import start as start_scheduler

app = create_app()
if app.config["ROOMBOOK_SCHEDULER"]:
    start_scheduler(app)
