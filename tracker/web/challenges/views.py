"""The challenge log: raise a challenge on an action or a return, answer it, accept or escalate
it, and the list of challenges each person may see."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.clock import now_utc, today_london
from tracker.domain.challenges import may_raise
from tracker.domain.permissions import Permission
from tracker.http.requests import plan_codes, request_plans
from tracker.services.errors import BadFilter, NotFound
from tracker.services.governance import challenges as service
from tracker.services.plan.updates import Forbidden, Rejected
from tracker.web.access import actor_for, refuse, requires
from tracker.web.challenges.forms import OutcomeForm, RaiseForm, ResponseForm
from tracker.web.clean_query import drops_empty_values
from tracker.web.form_helpers import form_errors

bp = Blueprint("challenges", __name__)
PER_PAGE = 50


def section_for(
    *, action_ref: str | None = None, locality: str | None = None, cycle: int | None = None
) -> dict[str, Any]:
    """What the "Challenges" section of an action's or a return's page needs: the challenges the
    person may see, in order raised, and whether they may raise one."""
    actor = actor_for(current_user)
    filters = service.ChallengeFilters(action_ref=action_ref, locality=locality, cycle=cycle)
    items, _ = service.list_challenges(actor, filters, per_page=200, with_total=False)
    if action_ref is not None:
        raise_url = url_for("challenges.raise_on_action", ref=action_ref)
    else:
        raise_url = url_for("challenges.raise_on_return", locality=locality, cycle=cycle)
    return {
        "challenges": items,
        "challenge_actor": actor,
        "may_raise_challenge": may_raise(actor),
        "raise_challenge_url": raise_url,
    }


@bp.get("/challenges")
@requires(Permission.READ_CHALLENGES)
@drops_empty_values
def index():
    actor = actor_for(current_user)
    try:
        filters = service.parse_filters(request.args, plans=plan_codes())
    except BadFilter as exc:
        filters, error = service.ChallengeFilters(), exc
    else:
        error = None
    try:
        page = max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        page = 1
    items, total = service.list_challenges(
        actor, filters, page=page, per_page=PER_PAGE, with_steps=False
    )
    return render_template(
        "challenges/index.html",
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        filters=filters,
        plans=request_plans(),
        statuses=service.STATUS_FILTERS,
        error=error,
        today=today_london(),
        sees_all=actor is not None and actor.role in service.rules.SEES_EVERY_CHALLENGE,
    ), (400 if error else 200)


def _raise(form: RaiseForm, *, back: str, subject: str, **target: Any):
    actor = actor_for(current_user)
    if form.validate_on_submit():
        try:
            challenge_id = service.raise_challenge(
                actor,
                question=form.question.data,
                now=now_utc(),
                remote_addr=request.remote_addr or "",
                **target,
            )
        except NotFound:
            abort(404)
        except Forbidden:
            refuse(Permission.RAISE_CHALLENGE)
        except Rejected as exc:
            for message in exc.errors.values():
                form.question.errors = [*form.question.errors, message]
        else:
            flash("Challenge raised: the people who answer for it have been told.", "success")
            return redirect(url_for("challenges.show", challenge_id=challenge_id))
    errors = form_errors(form)
    # Warned before sending: who cannot sign in, and who the mail goes to instead.
    routing = service.who_is_told(
        action_ref=target.get("action_ref"), locality=target.get("locality")
    )
    return render_template(
        "challenges/raise.html",
        form=form,
        errors=errors,
        back=back,
        subject=subject,
        warnings=[r.warning for r in routing if r.warning],
    ), (400 if errors else 200)


@bp.route("/actions/<ref>/challenges/new", methods=["GET", "POST"])
@requires(Permission.RAISE_CHALLENGE)
def raise_on_action(ref: str):
    from tracker.services.plan import queries

    try:
        row = queries.get_action(ref, today=today_london())
    except NotFound:
        abort(404)
    return _raise(
        RaiseForm(),
        back=url_for("plans.action", ref=ref) + "#challenges",
        subject=f"{row.ref}: {row.title}",
        action_ref=ref,
    )


@bp.route("/returns/<locality>/<int:cycle>/challenges/new", methods=["GET", "POST"])
@requires(Permission.RAISE_CHALLENGE)
def raise_on_return(locality: str, cycle: int):
    from tracker.services.loop.return_reads import get_cycle
    from tracker.services.reads.reference import get_locality

    try:
        get_cycle(cycle)
        place = get_locality(locality)
    except NotFound:
        abort(404)
    return _raise(
        RaiseForm(),
        back=url_for("returns.show", locality=locality, cycle=cycle) + "#challenges",
        subject=f"{place.name} return, cycle {cycle}",
        locality=locality,
        cycle=cycle,
    )


def _show(view, *, response_form=None, outcome_form=None, status: int = 200):
    actor = actor_for(current_user)
    response_form = response_form or ResponseForm(formdata=None)
    outcome_form = outcome_form or OutcomeForm(formdata=None)
    errors = form_errors(response_form, outcome_form)
    # Before escalating (it is mailed again): who cannot sign in, and who is told instead.
    routing = (
        service.route_answerers(view.lead_user_id, view.locality) if view.may_decide(actor) else []
    )
    return render_template(
        "challenges/show.html",
        c=view,
        actor=actor,
        routing_warnings=[r.warning for r in routing if r.warning],
        response_form=response_form,
        outcome_form=outcome_form,
        errors=errors,
        today=today_london(),
    ), (400 if errors else status)


def _load(challenge_id: int):
    try:
        return service.get_challenge(challenge_id, actor_for(current_user))
    except NotFound:
        abort(404)


@bp.get("/challenges/<int:challenge_id>")
@requires(Permission.READ_CHALLENGES)
def show(challenge_id: int):
    return _show(_load(challenge_id))


@bp.post("/challenges/<int:challenge_id>/responses")
@requires(Permission.READ_CHALLENGES)
def respond(challenge_id: int):
    _load(challenge_id)
    form = ResponseForm()
    if form.validate_on_submit():
        try:
            service.add_step(
                challenge_id,
                "response",
                text=form.response.data,
                actor=actor_for(current_user),
                now=now_utc(),
                remote_addr=request.remote_addr or "",
            )
        except NotFound:
            abort(404)
        except Forbidden:
            refuse(
                Permission.READ_CHALLENGES,
                detail="Only the people who answer for this "
                "action or return respond to its challenges.",
            )
        except Rejected as exc:
            for message in exc.errors.values():
                form.response.errors = [*form.response.errors, message]
        else:
            flash("Response sent: the challenger has been told.", "success")
            return redirect(url_for("challenges.show", challenge_id=challenge_id))
    return _show(_load(challenge_id), response_form=form)


@bp.post("/challenges/<int:challenge_id>/outcome")
@requires(Permission.READ_CHALLENGES)
def outcome(challenge_id: int):
    _load(challenge_id)
    form = OutcomeForm()
    if form.validate_on_submit():
        kind = "escalated" if form.escalate.data else ("accepted" if form.accept.data else "")
        try:
            service.add_step(
                challenge_id,
                kind or "none",
                text=form.note.data,
                actor=actor_for(current_user),
                now=now_utc(),
                remote_addr=request.remote_addr or "",
            )
        except NotFound:
            abort(404)
        except Forbidden:
            refuse(
                Permission.READ_CHALLENGES,
                detail="Only the challenger or a chair accepts or escalates a challenge.",
            )
        except Rejected as exc:
            for message in exc.errors.values():
                form.note.errors = [*form.note.errors, message]
        else:
            done = "escalated: the lead has been told" if kind == "escalated" else "accepted"
            flash(f"Challenge {done}.", "success")
            return redirect(url_for("challenges.show", challenge_id=challenge_id))
    return _show(_load(challenge_id), outcome_form=form)
