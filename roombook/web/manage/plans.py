"""Plan runs: start one, watch it, see what publishing it would change, publish or discard it."""
from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from roombook import clock
from roombook.access import permissions
from roombook.booking.errors import BookingError
from roombook.db import db, transaction
from roombook.i18n import day_name
from roombook.planning import labels
from roombook.planning import runs as plan_runs
from roombook.planning.publishing import offer_titles
from roombook.web.manage.forms import CATEGORY_LABELS, ConfirmForm, PlanRunForm, choices
from roombook.web.manage.gates import bp, load_run, my_accommodations, staff_required

# --- plan runs ----------------------------------------------------------------------------------------------

# The stored values are codes; the pages name them in the page's language.
bp.add_app_template_filter(lambda code: str(labels.run_status(code)), "run_status_name")
bp.add_app_template_filter(lambda code: str(labels.phase(code)), "phase_name")
bp.add_app_template_filter(lambda code: str(labels.plan_status(code)), "plan_status_name")
bp.add_app_template_filter(labels.row_reason, "plan_reason")
bp.add_app_template_filter(day_name, "day_short")


def _plan_form() -> PlanRunForm:
    form = PlanRunForm()
    form.scope.choices = choices((p.key, p.name) for p in my_accommodations())
    return form


@bp.route("/manage/plans", methods=["GET", "POST"])
@staff_required
def plans():
    form = _plan_form()
    coordinator = permissions.can_coordinate(current_user)
    if form.validate_on_submit():
        scope = list(form.scope.data or [])
        if not scope and not coordinator:
            scope = [p.key for p in my_accommodations()]  # a facility manager plans their own houses
        try:
            with transaction():
                run = plan_runs.start_run(db.session, current_user, scope,
                                          time_limit=float(current_app.config.get("ROOMBOOK_PLAN_TIME_LIMIT", 30)))
                run_id = run.id
        except plan_runs.RunRefused as exc:
            form.scope.errors.append(exc.message)
        else:
            plan_runs.launch(current_app._get_current_object(), run_id)
            return redirect(url_for("manage.plan_run", run_id=run_id))
    places = None if coordinator else my_accommodations()
    status = 422 if request.method == "POST" else 200
    return render_template("manage/plans.html", form=form, runs=plan_runs.visible_runs(db.session, places),
                           coordinator=coordinator, names=plan_runs.accommodation_names(db.session)), status


@bp.get("/manage/plans/<int:run_id>")
@staff_required
def plan_run(run_id: int):
    run = load_run(run_id)
    preview = plan_runs.run_preview(db.session, run, clock.today(),
                                    horizon_weeks=current_app.config["ROOMBOOK_HORIZON_WEEKS"])
    return render_template("manage/plan_run.html", run=run, preview=preview, form=ConfirmForm(),
                           displaced=plan_runs.displaced_details(db.session, preview) if preview else [],
                           labels=CATEGORY_LABELS, names=plan_runs.accommodation_names(db.session),
                           titles=offer_titles(db.session), coordinator=permissions.can_coordinate(current_user))


@bp.get("/manage/plans/<int:run_id>/progress")
@staff_required
def plan_progress(run_id: int):
    """What the run's page polls: the codes, and their names in the page's language for the page to show."""
    run = load_run(run_id)
    progress = run.progress or {}
    return jsonify(status=run.status, progress=progress, error=run.error,
                   status_label=str(labels.run_status(run.status)),
                   phase_label=str(labels.phase(progress.get("phase"))))


@bp.post("/manage/plans/<int:run_id>/<any(publish, discard):decision>")
@staff_required
def decide_run(run_id: int, decision: str):
    run = load_run(run_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    published = None
    try:
        with transaction():
            if decision == "publish":
                published = plan_runs.publish_run(db.session, current_user, run, today=clock.today(),
                                                  horizon_weeks=current_app.config["ROOMBOOK_HORIZON_WEEKS"],
                                                  base_url=current_app.config["ROOMBOOK_BASE_URL"])
            else:
                plan_runs.discard_run(db.session, current_user, run)
    except (plan_runs.RunRefused, BookingError) as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("manage.plan_run", run_id=run_id))
    if published is None:
        flash(_("Planung verworfen."), "info")
    elif published.unmet or published.gaps:  # told now, or by an earlier publish with the same gaps
        flash(_("Plan veröffentlicht. Die Koordination ist über die offenen Mindestumfänge informiert."), "info")
    else:
        flash(_("Plan veröffentlicht."), "info")
    return redirect(url_for("manage.plan_run", run_id=run_id))
