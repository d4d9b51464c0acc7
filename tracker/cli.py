"""`flask --app wsgi tracker ...`: thin commands, each calling one service."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError

from tracker.clock import now_utc
from tracker.domain.api_tokens import default_expiry
from tracker.domain.calendar import LONDON
from tracker.models.org import ORG_KINDS
from tracker.services.access import auth as auth_service
from tracker.services.errors import NotFound
from tracker.services.platform import seed as seed_service

tracker_cli = AppGroup("tracker", help="Ofsted action plan tracker commands.")
user_cli = AppGroup("user", help="People who can sign in.")
token_cli = AppGroup("token", help="API bearer tokens.")
tracker_cli.add_command(user_cli)
tracker_cli.add_command(token_cli)


def needs_database(command: Callable[..., Any]) -> Callable[..., Any]:
    """Say plainly what to do when the database is missing or not migrated, instead of failing
    later with "no such table"."""

    @wraps(command)
    def checked(*args: Any, **kwargs: Any) -> Any:
        from tracker.extensions import db

        url = db.engine.url.render_as_string(hide_password=True)
        try:
            migrated = inspect(db.engine).has_table("user_account")
        except OperationalError:
            raise click.ClickException(
                f"Cannot open the database at {url}. Check TRACKER_DATABASE_URL "
                "(for the demo, use the make targets in the README: `make chase-dry-run`)."
            ) from None
        if not migrated:
            raise click.ClickException(
                f"The database at {url} has no tables yet. Run "
                "`flask --app wsgi db upgrade -d tracker/migrations` first "
                "(for the demo, `make seed` or use the make targets in the README)."
            )
        return command(*args, **kwargs)

    return checked


@tracker_cli.command("seed")
@needs_database
def seed() -> None:
    """Load the illustrative seed data (and, in demo mode, the demo accounts). Safe to rerun."""
    cfg = current_app.config
    result = seed_service.load_seed(
        cfg["SEED_DIR"],
        now=now_utc(),
        demo_password=cfg["DEMO_PASSWORD"] if cfg.get("DEMO_MODE") else None,
        hash_method=cfg["PASSWORD_HASH_METHOD"],
    )
    made = ", ".join(f"{n} {k}" for k, n in result.created.items() if n) or "nothing new"
    click.echo(f"Seed loaded: {made}.")
    counts = seed_service.count_rows()
    click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))


@tracker_cli.command("init")
@click.option("--organisation", prompt="The organisation's name", help="e.g. Anytown Council")
@click.option(
    "--kind",
    prompt="Its kind",
    default="council",
    show_default=True,
    type=click.Choice(ORG_KINDS),
    help="council, trust, police, safeguarding_board, health or other",
)
@click.option("--email", prompt="The first administrator's email address")
@click.option("--name", prompt="The first administrator's name")
@needs_database
def init(organisation: str, kind: str, email: str, name: str) -> None:
    """First run, on a database with no administrator: the organisation and its first
    administrator, and a one-time set-up link (24 hours, used once) to set their password. A
    database that has an administrator refuses and changes nothing."""
    from tracker.services.access import setup

    try:
        link = setup.initialise(
            setup.FirstRun(organisation=organisation, kind=kind, email=email, name=name),
            now=now_utc(),
            base_url=current_app.config["BASE_URL"],
        )
    except (setup.AlreadySetUp, setup.BadSetUp) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Set up {organisation} with {email} as its first administrator.")
    click.echo("Open this link within 24 hours to set their password (it works once):")
    click.echo(link)


@user_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True)
@click.option("--locality", default=None)
@click.option(
    "--organisation", default=None, help="an organisation's code; the only one when not given"
)
@click.option("--job-title", default="")
@needs_database
def user_create(
    email: str, name: str, role: str, locality: str | None, organisation: str | None, job_title: str
) -> None:
    """Create a person; the password is read from standard input."""
    password = sys.stdin.readline().rstrip("\n")
    try:
        user = auth_service.create_user(
            auth_service.NewUser(
                email=email,
                name=name,
                role=role,
                organisation=organisation,
                locality=locality,
                job_title=job_title,
            ),
            password,
            now=now_utc(),
            hash_method=current_app.config["PASSWORD_HASH_METHOD"],
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user.email} ({user.role}).")


def _expiry_date(ctx, param, value: str | None) -> date | None:
    """--expires: a calendar date written YYYY-MM-DD (a London day), or not given."""
    if value is None:
        return None
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise click.BadParameter("give the date as YYYY-MM-DD, for example 2025-03-27")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value} is not a real date") from None


@token_cli.command("create")
@click.argument("email")
@click.option("--label", default="")
@click.option(
    "--expires",
    callback=_expiry_date,
    metavar="YYYY-MM-DD",
    help="The last day (London) it works: today or later, at most a year on "
    "(default: 90 days from today).",
)
@needs_database
def token_create(email: str, label: str, expires: date | None) -> None:
    """Print a new API bearer token for EMAIL (shown once; only its hash is kept)."""
    now = now_utc()
    try:
        token = auth_service.create_token(email, now=now, label=label, expires_on=expires)
    except (NotFound, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(token)
    day = expires or default_expiry(now.astimezone(LONDON).date())
    click.echo(f"It works until the end of {day.isoformat()} (London time).", err=True)


@token_cli.command("revoke")
@click.argument("email")
@needs_database
def token_revoke(email: str) -> None:
    """Revoke every API token of EMAIL."""
    click.echo(f"Revoked {auth_service.revoke_tokens(email, now=now_utc())} token(s).")


def init_app(app: Flask) -> None:
    app.cli.add_command(tracker_cli)


@tracker_cli.command("chase")
@click.option("--today", "today_text", default=None, help="Run as if today were YYYY-MM-DD.")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; write nothing.")
@needs_database
def chase(today_text: str | None, dry_run: bool) -> None:
    """Run the chasing once: one digest per person, written to the outbox."""
    from datetime import date

    from tracker.clock import today_london
    from tracker.services.mail import chasing

    try:
        today = date.fromisoformat(today_text) if today_text else today_london()
    except ValueError:
        raise click.BadParameter("use the format YYYY-MM-DD", param_hint="--today") from None
    cfg = chasing.ChaseConfig.from_mapping(current_app.config)
    if dry_run:
        run = chasing.plan_chases(today, cfg)
        for digest in run.digests:
            kinds = ", ".join(sorted({c.kind for c in digest.chases}))
            items = "; ".join(f"{c.kind}:{c.period}:{c.step}" for c in digest.chases)
            click.echo(f"{digest.email}\t{kinds}\t{items}")
        click.echo(
            f"{len(run.digests)} email(s) would be written for {today.isoformat()} "
            "(dry run: nothing written)."
        )
        return
    try:
        run = chasing.run_chasing(today, now=now_utc(), cfg=cfg)
    except chasing.ChaseWriteError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{run.written_messages} email(s) with {run.written_items} item(s) written to "
        f"the outbox for {today.isoformat()}."
    )


outbox_cli = AppGroup("outbox", help="Outgoing mail.")
tracker_cli.add_command(outbox_cli)


@outbox_cli.command("send")
@needs_database
def outbox_send() -> None:
    """Deliver pending mail over SMTP (TRACKER_SMTP_HOST); failures are retried later."""
    from tracker.services.mail import outbox

    result = outbox.send_pending(
        now=now_utc(), smtp=outbox.SmtpSettings.from_mapping(current_app.config)
    )
    if result.skipped_reason:
        click.echo(f"Nothing sent: {result.skipped_reason}.")
    else:
        click.echo(f"{result.sent} sent, {result.failed} failed (will be retried).")


@tracker_cli.command("scheduler")
@needs_database
def scheduler() -> None:
    """Run the scheduler in the foreground (one process beside the web server)."""
    import logging

    from tracker import jobs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    lock = jobs.hold_scheduler_lock(app)
    try:
        jobs.catch_up(app)
        jobs.build_scheduler(app).start()
    finally:
        if lock is not None:
            lock.release()


projection_cli = AppGroup("projection", help="The current-state projection of every action.")
tracker_cli.add_command(projection_cli)


@projection_cli.command("check")
@needs_database
def projection_check() -> None:
    """Compare the projection with the history, row by row; exit 1 on any difference."""
    from tracker.services.plan import projection

    problems = projection.differences()
    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo(
            f"{len(problems)} difference(s): run `flask --app wsgi tracker projection rebuild`."
        )
        raise SystemExit(1)
    click.echo("The projection matches the history.")


@projection_cli.command("rebuild")
@needs_database
def projection_rebuild() -> None:
    """Make the projection again from the history (safe at any time)."""
    from tracker.services.plan import projection

    written = projection.rebuild_and_commit()
    click.echo(f"Current state rebuilt from history for {written} action(s).")


@tracker_cli.command("search-rebuild")
@needs_database
def search_rebuild() -> None:
    """Make the search index again from the plan (after a bulk load or a restore)."""
    from tracker.services import search

    written = search.rebuild_and_commit()
    click.echo(f"Search index rebuilt: {written} document(s).")


class _DelayedBar:
    """A progress bar (on standard error) that appears only once an export has taken longer than
    a second: a quick export prints nothing but its result."""

    def __init__(self, label: str, delay: float = 1.0) -> None:
        import time

        self.label, self.started, self.delay = label, time.monotonic(), delay
        self.done = 0
        self.bar: Any = None

    def __call__(self, more: int, total: int) -> None:
        import time

        self.done += more
        if self.bar is None and time.monotonic() - self.started > self.delay:
            self.bar = click.progressbar(length=max(total, 1), label=self.label, file=sys.stderr)
            self.bar.__enter__()
            self.bar.update(self.done - more)
        if self.bar is not None:
            self.bar.update(more)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@tracker_cli.command("export")
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["xlsx", "csv", "pdf"]),
    required=True,
    help="xlsx: the workbook (summary, plans, legend); csv: one row per action; "
    "pdf: the group's board pack.",
)
@click.option("--as-at", "as_at_text", default=None, help="The plan as at the end of YYYY-MM-DD.")
@click.option("--plan", default=None, help="One plan only, by its code (as in /plans/CODE).")
@click.option(
    "--filter",
    "filter_args",
    multiple=True,
    metavar="NAME=VALUE",
    help="A plan page's filter, e.g. --filter rag=red --filter overdue=true (repeatable).",
)
@click.option("--history", is_flag=True, help="xlsx: add a sheet with every update's history.")
@click.option("-o", "--output", type=click.File("wb", atomic=True), required=True, help="FILE")
@needs_database
def export(
    file_format: str,
    as_at_text: str | None,
    plan: str | None,
    filter_args: tuple[str, ...],
    history: bool,
    output: Any,
) -> None:
    """Export the action plan (or the actions the filters choose) to FILE, as the plan pages'
    Download links do. Recorded in the audit log."""
    from datetime import date

    from tracker.clock import today_london
    from tracker.http.requests import current_cycle
    from tracker.services.errors import BadFilter
    from tracker.services.exchange import exports
    from tracker.services.plan import queries

    if history and file_format != "xlsx":
        raise click.UsageError("--history needs --format xlsx: a CSV file holds the actions only.")
    try:
        day = date.fromisoformat(as_at_text) if as_at_text else None
    except ValueError:
        raise click.BadParameter("use the format YYYY-MM-DD", param_hint="--as-at") from None
    asked: dict[str, str] = {}
    for item in filter_args:
        name, sep, value = item.partition("=")
        if not sep or name not in exports.EXPORT_PARAMS - {"as_at", "plan"}:
            raise click.BadParameter(
                f"{item!r}: use NAME=VALUE with one of "
                + ", ".join(sorted(exports.EXPORT_PARAMS - {"as_at", "plan"})),
                param_hint="--filter",
            )
        asked[name] = value
    if plan:
        asked["plan"] = plan
    today = day or today_london()
    try:
        plans = [p.code for p in queries.list_plan_choices()]
        filters = queries.parse_filters(asked, cycle=current_cycle(today), plans=plans)
    except BadFilter as exc:
        raise click.BadParameter(exc.message, param_hint=exc.parameter) from None
    if day:
        asked["as_at"] = day.isoformat()
    if history:
        asked["history"] = "true"
    try:
        if file_format == "pdf":
            _export_board_pack(today, filters, day, asked, output)
            return
        _export_plan(today, filters, day, asked, output, file_format, history)
    except BadFilter as exc:  # filters that cannot be read as at a past date
        raise click.BadParameter(exc.message, param_hint=exc.parameter) from None


def _export_plan(
    today: Any,
    filters: Any,
    day: Any,
    asked: dict[str, str],
    output: Any,
    file_format: str,
    history: bool,
) -> None:
    """The workbook or the CSV into `output`, streamed batch by batch, with a delayed bar."""
    from tracker.clock import end_of_london_day_utc
    from tracker.services.exchange import exports

    bar = _DelayedBar(f"Exporting {file_format.upper()}")
    try:
        result = exports.start_plan_export(
            today=today,
            filters=filters,
            as_at=end_of_london_day_utc(day) if day else None,
            asked=asked,
            user_id=None,
            now=now_utc(),
            file_format=file_format,
            history=history,
            progress=bar,
            via="command line",
        )
        for chunk in result.chunks:
            output.write(chunk)
    finally:
        bar.close()
    extra = f" and {result.history_count} history rows" if history else ""
    click.echo(f"Exported {result.count} actions{extra} to {output.name}.")


def _export_board_pack(today: Any, filters: Any, day: Any, asked: dict[str, str], output: Any):
    """The group's board pack as a PDF into `output`, as the Download links make it: a bar (after a
    second) through its three steps: the figures, the layout, the file."""
    from tracker.clock import end_of_london_day_utc
    from tracker.http.packs import board_pack_html, write_pdf
    from tracker.http.requests import dashboard_settings
    from tracker.services.governance.board_pack import start_board_pack

    bar = _DelayedBar("Exporting PDF")
    try:
        pack = start_board_pack(
            today=today,
            filters=filters,
            as_at=end_of_london_day_utc(day) if day else None,
            asked=asked,
            user_id=None,
            now=now_utc(),
            settings=dashboard_settings(),
            via="command line",
        )
        bar(1, 3)
        write_pdf(board_pack_html(pack, inline_css=True), output, step=lambda _: bar(1, 3))
    finally:
        bar.close()
    exceptions = len(pack.snapshot["exceptions"])
    click.echo(
        f"Exported the board pack of {pack.count} actions ({exceptions} red or overdue) "
        f"to {output.name}."
    )


@tracker_cli.command("deadline")
@click.option("--from", "from_text", required=True, help="The start date, YYYY-MM-DD (day 0).")
@click.option(
    "--working-days",
    type=int,
    default=70,
    show_default=True,
    help="How many working days after it (weekends and England and Wales bank holidays skip).",
)
@click.option("--explain", is_flag=True, help="Also list the bank holidays skipped.")
def deadline(from_text: str, working_days: int, explain: bool) -> None:
    """Print the date N working days after a date (needs no database)."""
    from datetime import date

    from tracker.domain.deadlines import working_days_after

    try:
        start = date.fromisoformat(from_text)
    except ValueError:
        raise click.BadParameter("use the format YYYY-MM-DD", param_hint="--from") from None
    try:
        count = working_days_after(start, working_days)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--working-days / --from") from None
    click.echo(count.due.isoformat())
    if explain:
        for day, name in count.bank_holidays_skipped:
            click.echo(f"skipped {day.isoformat()} {name}")


def _evidence_store() -> Path:
    from tracker.http.evidence_files import store

    return store()


@tracker_cli.command("evidence-sweep")
@needs_database
def evidence_sweep() -> None:
    """Remove files that failed or killed uploads left in the evidence store (the scheduler
    does it each morning): partial files, and files no evidence row names, over an hour old."""
    from tracker.services.plan import evidence

    removed = evidence.sweep_orphans(_evidence_store(), now=now_utc())
    click.echo(f"{len(removed)} files removed")


@tracker_cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option(
    "--with-evidence",
    is_flag=True,
    help="Also copy every evidence file to FILE.evidence.tar (restore --with-evidence reads it).",
)
@needs_database
def backup_command(file: Path, with_evidence: bool) -> None:
    """Back the whole database up to FILE (SQLite: online backup; PostgreSQL: pg_dump). FILE is
    replaced only once the new backup is complete."""
    from tracker.services.platform import backup

    try:
        click.echo(backup.backup(file, evidence_store=_evidence_store() if with_evidence else None))
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None


@tracker_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask: replace the database now.")
@click.option(
    "--with-evidence",
    is_flag=True,
    help="Also put back the evidence files from FILE.evidence.tar (each checked first).",
)
@needs_database
def restore_command(file: Path, yes: bool, with_evidence: bool) -> None:
    """Replace the whole database with the backup in FILE."""
    from tracker.services.platform import backup

    if not yes:
        click.confirm(
            "This replaces everything in the database with the backup. Go on?", abort=True
        )
    try:
        click.echo(
            backup.restore(file, evidence_store=_evidence_store() if with_evidence else None)
        )
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None


@tracker_cli.command("retention")
@click.option("--dry-run", is_flag=True, help="Say who would be anonymised; change nothing.")
@needs_database
def retention(dry_run: bool) -> None:
    """Anonymise people who left more than TRACKER_RETENTION_YEARS years ago."""
    from tracker.services.access import people

    years = current_app.config["RETENTION_YEARS"]
    ids = people.anonymise_leavers(now=now_utc(), years=years, dry_run=dry_run)
    verb = "would be" if dry_run else "were"
    click.echo(f"{len(ids)} people who left more than {years} years ago {verb} anonymised.")


@tracker_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and list what would change.")
@needs_database
def import_command(file: Path, dry_run: bool) -> None:
    """Create or update actions and dependencies from FILE (.csv or .xlsx, the export's columns;
    an .xlsx's Recommendations sheet creates or updates recommendations too).

    Every problem is listed by sheet, row and column; the file is applied all or nothing."""
    from tracker.services.exchange import imports

    max_bytes = current_app.config["IMPORT_MAX_BYTES"]
    if file.stat().st_size > max_bytes:
        raise click.ClickException(
            f"{file.name} is {file.stat().st_size / 1_048_576:.1f} MB: the largest file that "
            f"can be imported is {max_bytes / 1_048_576:.0f} MB."
        )
    bars: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if total < 500:  # small files finish well inside a second: no bar
            return
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = click.progressbar(length=total, label=stage, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    result = imports.run_import(
        file.name,
        file.read_bytes(),
        dry_run=dry_run,
        actor=None,
        now=now_utc(),
        max_bytes=max_bytes,
        progress=progress,
        limits=imports.limits_from(current_app.config),
    )
    if result.refused:
        raise click.ClickException(result.refused)
    plan = result.plan
    for p in plan.problems:
        where = f"{p.sheet} row {p.row}" if p.row else (p.sheet or "file")
        click.echo(f"{where}, {p.column or '-'}: {p.message}")
    for n in plan.notices:
        click.echo(f"{n.sheet} row {n.row}, {n.column}: {n.message}")
    for r in plan.new_recommendations:
        click.echo(f"{r.sheet} row {r.row}, {r.ref}: new recommendation: {r.values.title}")
    for r in plan.recommendation_edits:
        click.echo(f"{r.sheet} row {r.row}, {r.ref}: recommendation changes {', '.join(r.fields)}")
    counts = plan.summary()
    click.echo(
        f"{counts['rows']} rows; {counts['problems']} problems; "
        f"{counts['new_recommendations']} new recommendations; "
        f"{counts['edited_recommendations']} edited recommendations; "
        f"{counts['new_actions']} new actions; {counts['edited_actions']} edited actions; "
        f"{counts['dependency_changes']} dependency changes; "
        f"{counts['not_imported']} rows with state changes not imported."
    )
    if plan.problems:
        raise click.ClickException("Nothing was written: fix the problems and import again.")
    if dry_run:
        click.echo("Dry run: nothing was written." if plan.changes else "No changes.")
    elif result.applied:
        click.echo("Imported: every change was written.")
    else:
        click.echo("No changes.")
