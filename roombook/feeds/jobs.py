"""Publishing on a schedule and on demand.

`publish_if_changed` runs every minute in each serving process: it compares the data stamp with the
published manifest and, when they differ, claims the run for that stamp (so exactly one process
publishes each state of the data). A burst of edits within the minute costs one publish: that is
the debounce. `publish_nightly` rewrites whatever changed once a night, e.g. when the feed window
moves on the first of a month.
"""
from __future__ import annotations

import datetime as dt
import logging

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from roombook.db import db, transaction
from roombook.feeds import calendars_root, uid_domain
from roombook.feeds.publish import PublishResult, data_stamp, publish_calendars, read_manifest
from roombook.schedule import today_in

log = logging.getLogger(__name__)


def _today(app: Flask) -> dt.date:
    return today_in(app.config["ROOMBOOK_TIMEZONE"])


def publish_now(app: Flask, today: dt.date | None = None) -> PublishResult:
    """Publish every public feed (inside an app context); only changed files are rewritten."""
    today = today or _today(app)
    with transaction(write=False):
        return publish_calendars(db.session, calendars_root(app), today, app.config["ROOMBOOK_TIMEZONE"],
                                 uid_domain(app))


def publish_if_changed(app: Flask, today: dt.date | None = None) -> PublishResult | None:
    """The debounced job: publish when the data changed since the last publish; None when nothing to do."""
    from roombook.scheduler import claim_run

    with app.app_context():
        today = today or _today(app)
        stamp = data_stamp(db.session, today)
        db.session.rollback()  # end the read transaction before claiming
        if stamp.digest == read_manifest(calendars_root(app)).stamp:
            return None
        if not claim_run("publish_calendars", stamp.digest[:64]):
            return None
        result = publish_now(app, today)
        log.info("publish_calendars: %d written, %d removed", len(result.written), len(result.removed))
        return result


def publish_nightly(app: Flask, today: dt.date | None = None) -> PublishResult | None:
    """The nightly run, once per day across all processes."""
    from roombook.scheduler import claim_run

    with app.app_context():
        today = today or _today(app)
        if not claim_run("publish_calendars_nightly", today.isoformat()):
            return None
        return publish_now(app, today)


@click.command("publish-calendars")
@with_appcontext
def publish_calendars_command() -> None:
    """Write the public calendar feeds to calendars/ (only files whose content changed)."""
    app = current_app._get_current_object()
    result = publish_now(app)
    click.echo(f"{len(result.written)} feeds written, {result.unchanged} unchanged, {len(result.removed)} removed "
               f"in {calendars_root(app)}.")
