"""The Ofsted action plan tracker: create_app reads like a table of contents."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from config import BASE_DIR, Config, config_for


def create_app(config: type[Config] | None = None, **overrides: object) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(BASE_DIR / "instance"),
    )
    app.config.from_object(config or config_for())
    app.config.update(overrides)
    _check_production_settings(app)
    _check_deadline_rules(app)  # each inspection framework's working days (issue 20.3)
    _first_cycle_start(app)  # no demo date: a new tracker starts in the week it starts
    _check_meeting_days(app)  # each meeting's usual day, as TRACKER_MEETING_DAY_* give it
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    from tracker import extensions, observability, security
    from tracker.http import edge
    from tracker.web import templating

    extensions.db.init_app(app)
    extensions.use_sqlite_settings(app)  # WAL and a busy timeout on SQLite files
    # `flask db ...` (Flask-Migrate) is loaded only when that command runs: not in web workers.
    app.cli.add_command(extensions.LazyDbGroup("db", help="Database migrations (Flask-Migrate)."))
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    observability.init_app(app)  # a request id per request, structured logs
    security.init_app(app)  # sign-in sessions, bearer tokens, security headers
    edge.init_app(app)  # NUL bytes, lone surrogates, files, numbers beyond INTEGER: 400 or 404
    extensions.compress.init_app(app)  # gzip when the client accepts it; streams stay streamed
    templating.init_app(app)  # GOV.UK Frontend templates, filters, the demo banner

    from tracker.api import bp as api_bp
    from tracker.web import (
        admin,
        assets,
        auth,
        calendar,
        challenges,
        changes,
        dashboard,
        errors,
        evidence,
        health,
        help,
        inspections,
        measures,
        meetings,
        notify,
        pages,
        plan_changes,
        plans,
        returns,
        search,
        sefs,
        tokens,
        updates,
    )

    app.register_blueprint(assets.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(help.bp)  # the guides: TRACKER_HELP_URL, site/ or how to build it
    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(plans.bp)
    app.register_blueprint(updates.bp)
    app.register_blueprint(evidence.bp)
    app.register_blueprint(plan_changes.bp)
    app.register_blueprint(returns.bp)
    app.register_blueprint(sefs.bp)
    app.register_blueprint(measures.bp)
    app.register_blueprint(meetings.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(inspections.bp)
    app.register_blueprint(changes.bp)
    app.register_blueprint(calendar.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(challenges.bp)
    app.register_blueprint(notify.bp)
    app.register_blueprint(tokens.bp)
    app.register_blueprint(api_bp)
    errors.init_app(app)

    from tracker import cli

    cli.init_app(app)
    return app


def _check_deadline_rules(app: Flask) -> None:
    """Every framework has a rule, from 0 (no plan due) to the calendar's limit; a bad setting
    stops the start with the variable's name rather than a wrong date on a page."""
    from tracker.domain.frameworks import check_rule_days

    try:
        app.config["DEADLINE_WORKING_DAYS"] = check_rule_days(
            dict(app.config.get("DEADLINE_WORKING_DAYS") or {})
        )
    except ValueError as exc:
        raise RuntimeError(f"Check the TRACKER_DEADLINE_DAYS_* settings: {exc}") from None


def _first_cycle_start(app: Flask) -> None:
    """With no TRACKER_CYCLE_START, the first default rhythm opens on the Monday of the London
    week the app starts in (the configured day in demo mode), never a demo's date; `tracker init`
    keeps it in the database (services/access/settings.keep_first_rhythm), so processes started
    on other days agree, and a database set up otherwise keeps it once its first cycle is made
    (keep_default_rhythm)."""
    if app.config.get("CYCLE_START"):
        return
    with app.app_context():
        from tracker.clock import today_london

        today = today_london()
    app.config["CYCLE_START"] = (today - timedelta(days=today.weekday())).isoformat()
    app.config["CYCLE_START_FROM_TODAY"] = True


def _check_meeting_days(app: Flask) -> None:
    """A meeting's usual day the tracker cannot plan stops the start with the variable's name,
    rather than failing on every page."""
    from tracker.domain.setup import parse_meeting_day

    for kind, value in (app.config.get("MEETING_DAYS") or {}).items():
        try:
            parse_meeting_day(str(value))
        except ValueError as exc:
            raise RuntimeError(
                f"Check the TRACKER_MEETING_DAY_* setting for {kind}: {exc}"
            ) from None


MIN_SECRET_KEY_BYTES = 32  # signs every session cookie: as long as the HMAC's own key


def _check_production_settings(app: Flask) -> None:
    production = not app.config.get("DEMO_MODE") and not app.testing
    if production:
        key = app.config["SECRET_KEY"]
        length = len(key.encode() if isinstance(key, str) else key)
        if key == "dev-only-insecure-key" or length < MIN_SECRET_KEY_BYTES:
            raise RuntimeError(
                f"Set TRACKER_SECRET_KEY to at least {MIN_SECRET_KEY_BYTES} random bytes in "
                "production, for example the output of "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`"
            )
