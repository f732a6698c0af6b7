"""`flask --app roombook …` commands: every operation a person may need."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app

from roombook import clock
from roombook.db import db, transaction


def init_app(app: Flask) -> None:
    for command in (demo_command, import_command, export_command, horizon_command, solve_command, users,
                    send_mail_command, digest_command, reminders_command):
        app.cli.add_command(command)
    for command in (tokens, backup_command, restore_command, scheduler_command, closures):
        app.cli.add_command(command)
    from roombook.feeds.publish import publish_calendars_command
    app.cli.add_command(publish_calendars_command)


def _fail(message: str) -> None:
    raise click.ClickException(message)


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds accommodations.")
def demo_command(if_empty: bool) -> None:
    """Load the demo city and print the demo logins."""
    from roombook.models import Accommodation
    from roombook.scenario.demo import DEMO_PASSWORD, load_demo

    if db.session.scalar(sa.select(sa.func.count()).select_from(Accommodation)):
        if if_empty:
            click.echo("The database already holds a city; demo data not loaded.")
            _print_logins()
            return
        _fail("The database already holds accommodations; the demo loads only into an empty database.")
    with transaction():
        logins = load_demo(db.session, clock.today())
    click.echo("Demo city loaded. Logins (password for each: %s):" % DEMO_PASSWORD)
    for email, role in logins:
        click.echo(f"  {email:28} {role}")


def _print_logins() -> None:
    from roombook.scenario.demo import DEMO_PASSWORD, DEMO_USERS

    click.echo(f"Demo logins (password '{DEMO_PASSWORD}' unless changed):")
    for email, role, _name in DEMO_USERS:
        click.echo(f"  {email:28} {role}")


@click.command("import-scenario")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """Load a city from a scenario file; an invalid file is refused whole."""
    from roombook.scenario.importer import import_scenario
    from roombook.solver import InvalidScenario

    try:
        scenario = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        _fail(f"{file}: not a JSON file: {exc}")
    try:
        with transaction():
            counts = import_scenario(db.session, scenario)
    except InvalidScenario as exc:
        for path, message in exc.problems:
            click.echo(f"{path}: {message}", err=True)
        _fail(f"{file}: {len(exc.problems)} problem(s); nothing was imported.")
    click.echo("Imported: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))


@click.command("export-scenario")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_command(file: Path) -> None:
    """Write the city out as a scenario file."""
    from roombook.scenario.exporter import export_scenario

    scenario = export_scenario(db.session, current_app.config["ROOMBOOK_TIMEZONE"])
    file.write_text(json.dumps(scenario, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    click.echo(f"Wrote {file}: {len(scenario['accommodations'])} accommodations, {len(scenario['offers'])} offers.")


@click.command("extend-horizon")
@click.option("--weeks", type=click.IntRange(1, 104), default=None)
def horizon_command(weeks: int | None) -> None:
    """Materialise occurrences of the weekly slots up to the horizon (the daily job, on demand)."""
    from roombook.booking.occurrences import extend_horizon
    from roombook.changes.recording import absorb_new_dates

    with transaction():
        added = extend_horizon(db.session, clock.today(), weeks or current_app.config["ROOMBOOK_HORIZON_WEEKS"])
        absorb_new_dates(db.session)
    click.echo(f"{added} occurrences added.")


@click.command("solve")
@click.option("--time-limit", type=click.FloatRange(1, 3600), default=60.0, show_default=True,
              help="Seconds for the whole solve.")
@click.option("--publish", is_flag=True, help="Apply the plan: new weekly slots, occurrences, conflicts.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the plan file here.")
def solve_command(time_limit: float, publish: bool, out: Path | None) -> None:
    """Plan the weekly slots of every offer for the current term; print what would change."""
    from roombook.planning.publishing import apply_plan, preview_plan, solve_city

    def progress(update: dict) -> None:
        click.echo(f"  {update.get('elapsed', 0):6.1f} s  objective {update.get('objective')}  "
                   f"bound {update.get('bound')}")

    tz = current_app.config["ROOMBOOK_TIMEZONE"]
    _scenario, plan = solve_city(db.session, tz, time_limit, progress=progress)
    if out:
        out.write_text(json.dumps(plan, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    effective = max(clock.today(), dt.date.fromisoformat(_scenario["period"]["start"]))
    preview = preview_plan(db.session, plan, effective)
    click.echo(f"Plan {plan['status']} in {plan['solve_seconds']:.1f} s: {len(plan['sessions'])} placed, "
               f"{len(plan['unplaced'])} unplaced, {len(plan['displaced_bookings'])} displaced bookings, "
               f"{len(preview.moved)} moved, {len(plan['unmet_requirements'])} unmet requirements.")
    for row in plan["unplaced"]:
        click.echo(f"  unplaced {row['offer']} #{row['session']}: {row['reason']}")
    for row in plan["unmet_requirements"]:
        click.echo(f"  unmet {row['accommodation']} {row['category']}: {row['reason']}")
    if not publish:
        return
    horizon = clock.today() + dt.timedelta(weeks=current_app.config["ROOMBOOK_HORIZON_WEEKS"])
    with transaction():
        apply_plan(db.session, None, plan, effective=effective, horizon=horizon)
    click.echo(f"Published from {effective.isoformat()}.")


@click.group("users")
def users() -> None:
    """Manage logins."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True,
              type=click.Choice(["admin", "coordinator", "facility_manager", "department", "volunteer"]))
@click.option("--accommodation", "accommodation_keys", multiple=True, help="Accommodation id (facility managers).")
@click.option("--provider", "provider_key", help="Provider id (departments).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user_command(email: str, role: str, accommodation_keys: tuple[str, ...], provider_key: str | None,
                        password: str) -> None:
    """Create a login."""
    from roombook.access.accounts import create_user
    from roombook.models import Accommodation, Provider, User

    email = email.strip().lower()
    if "@" not in email:
        _fail(f"--email: '{email}' is not an email address")
    if len(password) < 8 and not current_app.config.get("TESTING"):
        _fail("--password: at least 8 characters")
    if db.session.scalar(sa.select(User).where(User.email == email)):
        _fail(f"--email: a user '{email}' exists already")
    places = []
    for key in accommodation_keys:
        place = db.session.scalar(sa.select(Accommodation).where(Accommodation.key == key))
        if place is None:
            _fail(f"--accommodation: unknown accommodation '{key}'")
        places.append(place)
    if role == "facility_manager" and not places:
        _fail("--accommodation: a facility manager needs at least one accommodation")
    provider = None
    if provider_key:
        provider = db.session.scalar(sa.select(Provider).where(Provider.key == provider_key))
        if provider is None:
            _fail(f"--provider: unknown provider '{provider_key}'")
    with transaction():
        create_user(db.session, email, role, password, accommodations=places, provider=provider)
    click.echo(f"Created {role} {email}.")


@users.command("invite")
@click.option("--email", required=True)
@click.option("--role", required=True,
              type=click.Choice(["admin", "coordinator", "facility_manager", "department", "volunteer"]))
@click.option("--by", "actor_email", required=True, help="Who invites (an admin; a coordinator: volunteers).")
@click.option("--accommodation", "accommodation_keys", multiple=True, help="Accommodation id (facility managers).")
@click.option("--provider", "provider_key", help="Provider id (departments).")
@click.option("--language", type=click.Choice(["de", "en"]), default="de", help="Language of the mail.")
def invite_user_command(email: str, role: str, actor_email: str, accommodation_keys: tuple[str, ...],
                        provider_key: str | None, language: str) -> None:
    """Mail an invitation link (single use, seven days); the person chooses name and password by it."""
    from roombook.access import joining
    from roombook.models import Accommodation, Provider, User

    actor = db.session.scalar(sa.select(User).where(User.email == actor_email.strip().lower()))
    if actor is None:
        _fail(f"--by: no user '{actor_email}'")
    places = db.session.scalars(sa.select(Accommodation.id).where(Accommodation.key.in_(accommodation_keys))).all()
    if len(places) != len(set(accommodation_keys)):
        _fail("--accommodation: unknown accommodation")
    provider = db.session.scalar(sa.select(Provider.id).where(Provider.key == provider_key)) if provider_key else None
    if provider_key and provider is None:
        _fail(f"--provider: unknown provider '{provider_key}'")
    try:
        with transaction():
            token = joining.invite(db.session, actor, email=email, role=role, accommodation_ids=list(places),
                                   provider_id=provider, language=language,
                                   base_url=current_app.config["ROOMBOOK_BASE_URL"])
    except joining.JoiningError as error:
        _fail(f"--{error.field.replace('accommodations', 'accommodation')}: {error.message}")
    except joining.TooManyRequests:
        _fail("too many invitations for now; try again later")
    click.echo(f"Invitation for {role} sent to {token.email}.")


@click.group("tokens")
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("create")
@click.option("--email", required=True, help="Whose token.")
@click.option("--label", default="", help="What the token is for (shown in listings).")
@click.option("--expires-days", type=click.IntRange(1, 3650), default=None, help="Expire after N days.")
def create_token_command(email: str, label: str, expires_days: int | None) -> None:
    """Create an API token and print it (the only time it is shown; only its hash is stored)."""
    from roombook.access import ratelimit
    from roombook.access.api_tokens import create_api_token
    from roombook.models import User

    email = email.strip().lower()
    with transaction() as session:
        allowed = ratelimit.allow(session, f"token-cli:{email}", 20, dt.timedelta(hours=1))
    if not allowed:
        _fail("--email: more than 20 tokens in an hour for this user; try again later")
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        _fail(f"--email: no user '{email}'")
    with transaction() as session:
        _token, secret = create_api_token(session, user, label,
                                          expires_in=dt.timedelta(days=expires_days) if expires_days else None)
    click.echo(secret)


@tokens.command("revoke")
@click.argument("prefix")
def revoke_token_command(prefix: str) -> None:
    """Revoke the API token whose first characters (as listed) are PREFIX."""
    from roombook.access.api_tokens import revoke_api_token
    from roombook.models import ApiToken

    found = db.session.scalars(sa.select(ApiToken).where(ApiToken.prefix == prefix[:8])).all()
    if len(found) != 1:
        _fail(f"PREFIX: {len(found)} tokens start with '{prefix[:8]}'")
    with transaction() as session:
        revoke_api_token(session, None, found[0])
    click.echo(f"Revoked {found[0].prefix}….")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file: Path) -> None:
    """Write a consistent backup of the whole database to FILE (while the app keeps serving)."""
    from roombook.backup import BackupError, backup

    try:
        backup(current_app.config["SQLALCHEMY_DATABASE_URI"], file)
    except BackupError as exc:
        _fail(str(exc))
    click.echo(f"Backed up to {file}.")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database's content.")
def restore_command(file: Path, yes: bool) -> None:
    """Replace the whole database with the backup in FILE."""
    from roombook.backup import BackupError, restore

    if not yes:
        click.confirm("This replaces everything in the database with the backup. Continue?", abort=True)
    db.session.remove()
    db.engine.dispose()
    try:
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], file)
    except BackupError as exc:
        _fail(str(exc))
    click.echo(f"Restored from {file}.")


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run every job once now and exit (each still runs once per period).")
def scheduler_command(once: bool) -> None:
    """Run the background jobs in this process (for deployments that keep them out of the web workers)."""
    import signal
    import threading

    from roombook import jobs as scheduler

    app = current_app._get_current_object()
    running = scheduler.start(app)
    if once:
        for job in running.get_jobs():
            click.echo(f"{job.id}: {job.func(*job.args, **job.kwargs)}")
        running.shutdown(wait=True)
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    click.echo("Scheduler running: " + ", ".join(job.id for job in running.get_jobs()))
    stop.wait()
    running.shutdown(wait=True)
    click.echo("Scheduler stopped.")


@click.command("send-mail")
def send_mail_command() -> None:
    """Send the due messages of the outbox now (the job runs every minute)."""
    from roombook.notifications.outbox import send_pending

    result = send_pending(current_app._get_current_object())
    click.echo(f"{result['sent']} sent, {result['failed']} failed (retried later), {result['waiting']} waiting.")


@click.command("send-reminders")
def reminders_command() -> None:
    """Queue the reminders that are due now (the job runs every five minutes; each is sent once)."""
    from roombook.jobs import send_reminders

    click.echo(f"{send_reminders(current_app._get_current_object())} reminders queued.")


@click.command("department-digest")
def digest_command() -> None:
    """Queue this week's digest of office-hour changes for every department login."""
    from roombook.notifications.outbox import enqueue_department_digests

    with transaction():
        count = enqueue_department_digests(db.session)
    click.echo(f"{count} digests queued.")


@click.group("closures")
def closures() -> None:
    """Close a room: one room change with a repair proposed per series (decide it on its page or the API)."""


@closures.command("create")
@click.option("--room", "room_key", required=True, help="the room's key, e.g. nord-gr")
@click.option("--from", "start", required=True, help="local start, e.g. 2027-03-08T08:00")
@click.option("--to", "end", default=None, help="local end; without it the room is closed until further notice")
@click.option("--kind", default="other", show_default=True,
              type=click.Choice(["maintenance", "other_use", "holiday", "other"]))
@click.option("--reason", required=True)
@click.option("--as", "actor_email", required=True, help="who records it, for the audit trail")
def closures_create(room_key: str, start: str, end: str | None, kind: str, reason: str, actor_email: str) -> None:
    """Record a closure and print its change as the API's JSON."""
    from roombook.access.permissions import can_manage_rooms
    from roombook.api.changes import recorded_json
    from roombook.booking.recurrence import to_utc
    from roombook.booking.rooms import RoomInputError
    from roombook.changes.recording import record_closure
    from roombook.models import Room, User

    room = db.session.scalar(sa.select(Room).where(Room.key == room_key))
    actor = db.session.scalar(sa.select(User).where(User.email == actor_email.strip().lower()))
    if room is None:
        _fail(f"No room {room_key!r}.")
    if actor is None or not can_manage_rooms(actor, room.accommodation):
        _fail(f"{actor_email} may not close rooms of {room.accommodation.name}.")
    try:
        begins = to_utc(dt.datetime.fromisoformat(start), room.tz)
        ends = None if end is None else to_utc(dt.datetime.fromisoformat(end), room.tz)
    except ValueError:
        _fail("--from and --to take local times like 2027-03-08T08:00.")
    try:
        with transaction() as session:
            answer = recorded_json(record_closure(session, actor, room, begins, ends, reason, kind))
    except RoomInputError as exc:
        _fail(f"{exc.field}: {exc.message}")
    click.echo(json.dumps(answer, ensure_ascii=False, indent=1))
