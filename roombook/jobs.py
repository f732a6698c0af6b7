"""The job table: what runs in the background, when, and the wrappers that run each job once.

Every serving process may run a scheduler (or `flask scheduler` runs one of its own); a claim row in the
database (`db.claim_run`, unique per job and period) makes sure each run happens in exactly one of them.
Plan runs are claimed on their own row (`roombook.planning.runs.claim`). Only the CLI and the WSGI entry
import this module: it knows every job, so nothing below may import it back.
"""
from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask

from roombook import clock
from roombook.access.joining import delete_stale
from roombook.booking.occurrences import extend_horizon
from roombook.changes.deciding import settle_expired
from roombook.changes.recording import absorb_new_dates
from roombook.coordination import qualifications
from roombook.db import claim_run, db, finish_run, transaction
from roombook.feeds import calendars_root
from roombook.feeds.publish import PublishResult, data_stamp, publish_now, read_manifest
from roombook.notifications import reminders
from roombook.notifications.outbox import enqueue_department_digests, send_pending
from roombook.planning.runs import tend_runs

log = logging.getLogger(__name__)


def _today(app: Flask) -> dt.date:
    return clock.today(app.config["ROOMBOOK_TIMEZONE"])


def extend_occurrence_horizon(app: Flask, today: dt.date | None = None) -> int | None:
    """Daily: materialise occurrences up to the horizon. Returns the number added, None if another ran it."""
    with app.app_context():
        today = today or _today(app)
        if not claim_run("extend_horizon", today.isoformat()):
            return None
        with transaction():
            added = extend_horizon(db.session, today, app.config["ROOMBOOK_HORIZON_WEEKS"])
            absorb_new_dates(db.session)
        finish_run("extend_horizon", today.isoformat())
        log.info("extend_horizon: %d occurrences added", added)
        return added


def publish_if_changed(app: Flask, today: dt.date | None = None) -> PublishResult | None:
    """Every minute: publish when the data changed since the last publish; None when nothing to do.

    It compares the data stamp with the published manifest and claims the run for that stamp, so exactly
    one process publishes each state of the data; a burst of edits within the minute costs one publish.
    """
    with app.app_context():
        today = today or _today(app)
        stamp = data_stamp(db.session, today)
        db.session.rollback()  # end the read transaction before claiming
        if stamp.digest == read_manifest(calendars_root(app)).stamp:
            return None
        if not claim_run("publish_calendars", stamp.digest[:64]):
            return None
        result = publish_now(app, today)
        finish_run("publish_calendars", stamp.digest[:64])
        log.info("publish_calendars: %d written, %d removed", len(result.written), len(result.removed))
        return result


def publish_nightly(app: Flask, today: dt.date | None = None) -> PublishResult | None:
    """Once a night across all processes: rewrite whatever changed, e.g. when the feed window moves on."""
    with app.app_context():
        today = today or _today(app)
        if not claim_run("publish_calendars_nightly", today.isoformat()):
            return None
        result = publish_now(app, today)
        finish_run("publish_calendars_nightly", today.isoformat())
        return result


def send_department_digests(app: Flask, today: dt.date | None = None) -> int | None:
    """Weekly: queue the department digests once per ISO week (claimed across processes)."""
    with app.app_context():
        today = today or _today(app)
        year, week, _ = today.isocalendar()
        key = f"{year}-W{week:02d}"
        if not claim_run("department_digest", key):
            return None
        with transaction():
            queued = enqueue_department_digests(db.session)
        finish_run("department_digest", key)
        return queued


def settle_changes(app: Flask) -> int | None:
    """Every minute: volunteers' questions past their deadline take the proposal, and they are told (once:
    the minute is claimed across processes)."""
    with app.app_context():
        key = clock.now().strftime("%Y-%m-%dT%H:%M")
        if not claim_run("settle_changes", key):
            return None
        with transaction():
            settled = settle_expired(db.session)
        finish_run("settle_changes", key)
        return settled


def send_reminders(app: Flask, now: dt.datetime | None = None) -> int:
    """Every five minutes: queue the reminders that are due, each exactly once. No run claim: each (person, day)
    has its own unique row, written in the transaction of its message, so concurrent runs and a run repeated
    after a crash mid-way send every reminder once and none twice."""
    with app.app_context():
        now = now or clock.now()
        tz = ZoneInfo(app.config["ROOMBOOK_TIMEZONE"])
        due = reminders.candidates(db.session, now, tz)
        db.session.rollback()
        queued = 0
        for user_id, day in due:
            try:
                with transaction():
                    queued += reminders.remind(db.session, user_id, day, now, tz,
                                               base_url=app.config["ROOMBOOK_BASE_URL"])
            except sa.exc.IntegrityError:
                continue  # another run sent this one
        return queued


def delete_stale_registrations(app: Flask, today: dt.date | None = None) -> int | None:
    """Daily: registrations left unconfirmed or declined for 30 days are deleted, and expired links."""
    with app.app_context():
        today = today or _today(app)
        if not claim_run("delete_stale_registrations", today.isoformat()):
            return None
        with transaction():
            deleted = delete_stale(db.session)
        finish_run("delete_stale_registrations", today.isoformat())
        return deleted


def remind_qualifications(app: Flask, today: dt.date | None = None) -> int:
    """Daily: tell each volunteer once that a qualification ends within 30 days (one mail per qualification
    and validity, however often this runs: the mark and the message commit together), and forget the police
    certificates of volunteers who stopped."""
    with app.app_context():
        today = today or _today(app)
        with transaction():
            qualifications.forget_police_certificates_of_inactive(db.session)
        due = qualifications.due_reminders(db.session, today)
        db.session.rollback()
        queued = 0
        for qualification_id in due:
            with transaction():
                queued += qualifications.remind_expiring(db.session, qualification_id,
                                                         base_url=app.config["ROOMBOOK_BASE_URL"])
        return queued


def start(app: Flask):
    """Start the in-process scheduler (wsgi.py does this for each serving process)."""
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone=app.config["ROOMBOOK_TIMEZONE"])
    every_minute = {"trigger": "interval", "minutes": 1}
    table = [
        ("extend_horizon", extend_occurrence_horizon, {"trigger": "cron", "hour": 3, "minute": 17}),
        ("send_mail", send_pending, every_minute),  # the outbox leases each message, so no claim
        ("department_digest", send_department_digests,
         {"trigger": "cron", "day_of_week": "mon", "hour": 7, "minute": 3}),
        ("publish_calendars", publish_if_changed, every_minute),
        ("publish_calendars_nightly", publish_nightly, {"trigger": "cron", "hour": 3, "minute": 47}),
        # Gives up plan runs whose process ended and solves runs left queued (claimed, so solved once).
        ("plan_runs", tend_runs, every_minute),
        ("settle_changes", settle_changes, every_minute),
        ("reminders", send_reminders, {"trigger": "interval", "minutes": 5}),
        ("delete_stale_registrations", delete_stale_registrations, {"trigger": "cron", "hour": 4, "minute": 7}),
        ("qualification_reminders", remind_qualifications, {"trigger": "cron", "hour": 8, "minute": 7}),
    ]
    for job_id, function, trigger in table:
        scheduler.add_job(function, args=[app], id=job_id, coalesce=True, max_instances=1, **trigger)
    scheduler.start()
    return scheduler
