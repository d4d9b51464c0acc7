"""The group's board pack drawn ahead of time: the scheduler draws the whole plan's pack, as it
stands today, into the PDF cache (tracker/http/packs.py) whenever it has changed, once for each
way the pack reads (the board, who read every challenge, and each performance officer, who reads
what the challenge log shows them), so the download is sent from the cache rather than drawn while
the person waits. A pack is kept by its document less the moment it was prepared: a download
after nothing has changed gets the pack drawn ahead, which says when it was prepared."""

from __future__ import annotations

from flask import Flask
from flask_login import login_user
from sqlalchemy import select

from tracker.clock import now_utc, today_london
from tracker.domain.challenges import SEES_EVERY_CHALLENGE
from tracker.domain.permissions import Role
from tracker.extensions import db
from tracker.http.packs import board_pack_html, board_pack_key, cached_pdf, draw_into_cache
from tracker.http.requests import current_cycle, dashboard_settings
from tracker.models import User
from tracker.services.governance.board_pack import start_board_pack
from tracker.services.plan import queries

URL = "/api/v1/exports/board-pack.pdf"


def _readers() -> list[User]:
    """One active member of the board (admin, chair or group member) and every active performance
    officer: the people whose board packs may read differently."""
    board = db.session.execute(
        select(User)
        .where(User.active.is_(True), User.role.in_([r.value for r in SEES_EVERY_CHALLENGE]))
        .order_by(User.id)
        .limit(1)
    ).scalars()
    officers = db.session.execute(
        select(User)
        .where(User.active.is_(True), User.role == Role.PERFORMANCE_OFFICER.value)
        .order_by(User.id)
    ).scalars()
    return [*board, *officers]


def draw_board_packs_ahead(app: Flask) -> int:
    """Draw the whole plan's board pack for today into the cache for each way it reads, unless
    the cache holds it already. Returns how many were drawn (none when nothing has changed)."""
    if not app.config.get("PDF_CACHE_DIR"):
        return 0
    drawn = 0
    seen: set[str] = set()
    with app.app_context():
        readers = _readers()
        for reader in readers:
            with app.test_request_context(URL):
                login_user(reader)
                today = today_london()
                pack = start_board_pack(
                    today=today,
                    filters=queries.parse_filters({}, cycle=current_cycle(today)),
                    as_at=None,
                    asked={},
                    user_id=reader.id,
                    now=now_utc(),
                    settings=dashboard_settings(),
                    record=False,
                )
                html = board_pack_html(pack, inline_css=True)
                key = board_pack_key(pack, html)
                if key in seen or cached_pdf(key) is not None:
                    seen.add(key)
                    continue
                seen.add(key)
                draw_into_cache(html, key)
                drawn += 1
        db.session.remove()
    return drawn
