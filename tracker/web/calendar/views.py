"""Each person's calendar feed: a page to make, reset or turn off its secret link, and the
feed itself, which a calendar (Outlook) fetches with the link alone, no session."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from tracker.clock import now_utc, today_london
from tracker.domain.permissions import Permission
from tracker.extensions import limiter
from tracker.services.access import settings as setup_settings
from tracker.services.exchange import calendar_feeds
from tracker.web.access import public, requires
from tracker.web.calendar.forms import FeedForm

bp = Blueprint("calendar", __name__)


def _page(*, feed_url: str | None = None):
    user = current_user
    response = current_app.make_response(
        render_template(
            "calendar/feed.html",
            feed=calendar_feeds.get_feed_status(user.id),
            feed_url=feed_url,
            form=FeedForm(),
            partner_agency=calendar_feeds.is_partner_agency(user),
            localities=calendar_feeds.return_localities(user),
            sees_everything=calendar_feeds.sees_every_meeting_and_return(user),
        )
    )
    response.headers["Cache-Control"] = "no-store"  # it may hold the link, a secret
    return response


@bp.get("/account/calendar")
@requires(Permission.READ_PLAN)
def show():
    """How to see your dates in Outlook, and your link's state."""
    return _page()


@bp.post("/account/calendar")
@requires(Permission.READ_PLAN)
def make():
    """Make a link (or a new one, which stops the old one working) and show it once."""
    if not FeedForm().validate_on_submit():
        abort(400, description="The form was incomplete: go back and try again")
    token = calendar_feeds.make_feed(
        current_user.id, now=now_utc(), remote_addr=request.remote_addr or ""
    )
    base = current_app.config["BASE_URL"].rstrip("/")
    return _page(feed_url=base + url_for("calendar.feed", token=token))


@bp.post("/account/calendar/turn-off")
@requires(Permission.READ_PLAN)
def turn_off():
    if not FeedForm().validate_on_submit():
        abort(400, description="The form was incomplete: go back and try again")
    if calendar_feeds.turn_off_feed(
        current_user.id, now=now_utc(), remote_addr=request.remote_addr or ""
    ):
        flash(
            "Your calendar link is turned off. Calendars subscribed to it get no more dates.",
            "success",
        )
    return redirect(url_for("calendar.show"))


@bp.get("/calendar/<token>.ics")
@public
@limiter.limit(lambda: current_app.config["CALENDAR_FEED_RATE_LIMIT"])
def feed(token: str):
    """The feed: the link is the credential. A wrong, revoked or malformed link is a 404."""
    body = calendar_feeds.read_feed(
        token,
        now=now_utc(),
        today=today_london(),
        settings=calendar_feeds.FeedSettings(
            base_url=current_app.config["BASE_URL"],
            sef_first_month=setup_settings.current().self_evaluation.first_month,
            sef_due_working_day=setup_settings.current().self_evaluation.due_working_day,
            sef_enabled=setup_settings.current().self_evaluation.enabled,
            deadline_anchor=current_app.config["DEADLINE_ANCHOR"],
            deadline_days=current_app.config["DEADLINE_WORKING_DAYS"],
        ),
        remote_addr=request.remote_addr or "",
    )
    if body is None:
        abort(404)
    return Response(
        body,
        content_type="text/calendar; charset=utf-8",
        headers={
            "Cache-Control": "no-store, private",
            "Content-Disposition": 'inline; filename="action-plan-tracker.ics"',
            "X-Robots-Tag": "noindex",
        },
    )
