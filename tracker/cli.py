"""`flask --app wsgi tracker ...`: thin commands, each calling one service."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from tracker.clock import now_utc
from tracker.services import auth as auth_service
from tracker.services import seed as seed_service
from tracker.services.errors import NotFound

tracker_cli = AppGroup("tracker", help="Ofsted action plan tracker commands.")
user_cli = AppGroup("user", help="People who can sign in.")
token_cli = AppGroup("token", help="API bearer tokens.")
tracker_cli.add_command(user_cli)
tracker_cli.add_command(token_cli)


@tracker_cli.command("seed")
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


@user_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True)
@click.option("--locality", default=None)
@click.option("--organisation", default="trust", show_default=True)
@click.option("--job-title", default="")
def user_create(
    email: str, name: str, role: str, locality: str | None, organisation: str, job_title: str
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


@token_cli.command("create")
@click.argument("email")
@click.option("--label", default="")
def token_create(email: str, label: str) -> None:
    """Print a new API bearer token for EMAIL (shown once; only its hash is kept)."""
    try:
        click.echo(auth_service.create_token(email, now=now_utc(), label=label))
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None


@token_cli.command("revoke")
@click.argument("email")
def token_revoke(email: str) -> None:
    """Revoke every API token of EMAIL."""
    click.echo(f"Revoked {auth_service.revoke_tokens(email, now=now_utc())} token(s).")


def init_app(app: Flask) -> None:
    app.cli.add_command(tracker_cli)
