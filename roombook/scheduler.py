"""Background jobs with APScheduler.

Every serving process may run a scheduler; a claim row in the database (unique per job and
period) makes sure each run happens in exactly one of them. Plan runs are claimed on their own row
(`roombook.plan_runs.claim`).
"""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from flask import Flask

from roombook.db import db, transaction, utcnow
from roombook.models import JobRun

log = logging.getLogger(__name__)


def claim_run(job: str, run_key: str) -> bool:
    """Claim the run of `job` for `run_key` (e.g. the date); True for exactly one caller."""
    try:
        with transaction():
            db.session.add(JobRun(job=job, run_key=run_key))
            db.session.flush()
        return True
    except sa.exc.IntegrityError:
        return False


def extend_occurrence_horizon(app: Flask, today: dt.date | None = None) -> int | None:
    """Daily: materialise occurrences up to the horizon. Returns the number added, None if another ran it."""
    from roombook.booking.occurrences import extend_horizon

    with app.app_context():
        today = today or dt.datetime.now(dt.timezone.utc).date()
        if not claim_run("extend_horizon", today.isoformat()):
            return None
        with transaction():
            added = extend_horizon(db.session, today, app.config["ROOMBOOK_HORIZON_WEEKS"])
            run = db.session.scalar(sa.select(JobRun).where(JobRun.job == "extend_horizon",
                                                            JobRun.run_key == today.isoformat()))
            run.finished_at = utcnow()
        log.info("extend_horizon: %d occurrences added", added)
        return added


def start(app: Flask):
    """Start the in-process scheduler (wsgi.py does this for each serving process)."""
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone=app.config["ROOMBOOK_TIMEZONE"])
    scheduler.add_job(extend_occurrence_horizon, "cron", hour=3, minute=17, args=[app], id="extend_horizon",
                      coalesce=True, max_instances=1)
    from roombook.notifications import send_department_digests_job, send_pending

    scheduler.add_job(send_pending, "interval", minutes=1, args=[app], id="send_mail", coalesce=True,
                      max_instances=1)
    scheduler.add_job(send_department_digests_job, "cron", day_of_week="mon", hour=7, minute=3, args=[app],
                      id="department_digest", coalesce=True, max_instances=1)
    from roombook.feeds.jobs import publish_if_changed, publish_nightly

    scheduler.add_job(publish_if_changed, "interval", minutes=1, args=[app], id="publish_calendars",
                      coalesce=True, max_instances=1)
    scheduler.add_job(publish_nightly, "cron", hour=3, minute=47, args=[app], id="publish_calendars_nightly",
                      coalesce=True, max_instances=1)
    from roombook.plan_runs import tend_runs

    # Gives up plan runs whose process ended and solves runs left queued (claimed, so solved once).
    scheduler.add_job(tend_runs, "interval", minutes=1, args=[app], id="plan_runs", coalesce=True,
                      max_instances=1)
    scheduler.start()
    return scheduler
