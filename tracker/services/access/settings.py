"""The organisation's set-up as held in the database (issue 20.2), overlaid on the
environment's first defaults.

Read once a request: the settings come with the person signed in (the statement that loads
them and the plans for the menu), else `current()` loads them in one statement; either way they
are kept on flask.g for the rest of the request (each request has an app context, so a g, of
its own; the scheduler's jobs too). Each save is
audited with the old and new value and takes effect at once; the update rhythm keeps its whole
history, so a change applies from the next cycle and never moves one that has begun.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

from flask import current_app, g, has_app_context
from sqlalchemy import select

from tracker.domain import setup as rules
from tracker.domain.calendar import LONDON
from tracker.domain.cycles import Schedule
from tracker.domain.sef import SECTIONS
from tracker.domain.setup import (
    Chasing,
    MeetingDays,
    Rhythm,
    SelfEvaluation,
    Setup,
    Words,
    parse_meeting_day,
)
from tracker.extensions import db
from tracker.models import (
    ActionState,
    ActionUpdate,
    Challenge,
    LocalityReturn,
    Setting,
    UpdateCycle,
)
from tracker.services.loop.cycles import ensure_cycles
from tracker.services.platform.audit import add_event

KEYS = rules.SETTING_KEYS
# Marks the rhythm `tracker init` kept (from_dict ignores it; a rhythm chosen later drops it).
KEPT_AT_INIT = "kept_at_init"
_G_KEY = "_tracker_setup"


def defaults(cfg: Mapping[str, Any]) -> Setup:
    """What the environment says, before anything is saved."""
    hour, minute = (int(p) for p in str(cfg.get("RETURN_DUE_TIME", "12:00")).split(":"))
    return Setup(
        words=Words(),
        rhythms=(Rhythm("2w", date.fromisoformat(cfg["CYCLE_START"]), 4, time(hour, minute)),),
        self_evaluation=SelfEvaluation(
            enabled=bool(cfg.get("SEF_ENABLED", True)),
            first_month=cfg.get("SEF_FIRST_MONTH") or "",  # unset: the first cycle's month
            due_working_day=int(cfg["SEF_DUE_WORKING_DAY"]),
        ),
        chasing=Chasing(
            remind_days_before=int(cfg["CHASE_REMIND_DAYS_BEFORE"]),
            escalate_manager_after=int(cfg["CHASE_ESCALATE_MANAGER_AFTER"]),
            escalate_chair_after=int(cfg["CHASE_ESCALATE_CHAIR_AFTER"]),
            target_notice_days=int(cfg["CHASE_TARGET_NOTICE_DAYS"]),
            chair_email=cfg.get("GETTING_TO_GOOD_CHAIR") or None,
        ),
        meeting_days=MeetingDays(
            **{
                kind: parse_meeting_day(str(value))
                for kind, value in (cfg.get("MEETING_DAYS") or {}).items()
            }
        ),
    )


def _overlay(base: Setup, saved: Mapping[str, Any]) -> Setup:
    out = base
    if isinstance(saved.get("words"), Mapping):
        out = replace(out, words=replace(out.words, **_known(Words, saved["words"])))
    if saved.get("rhythms"):
        out = replace(out, rhythms=tuple(Rhythm.from_dict(r) for r in saved["rhythms"]))
    if isinstance(saved.get("self_evaluation"), Mapping):
        value = dict(_known(SelfEvaluation, saved["self_evaluation"]))
        if "sections" in value:
            value["sections"] = tuple(value["sections"])
        for key in ("own_sections", "earlier_own_sections"):
            if key in value:
                value[key] = rules.own_sections_from_json(value[key])
        out = replace(out, self_evaluation=replace(out.self_evaluation, **value))
    if isinstance(saved.get("chasing"), Mapping):
        out = replace(out, chasing=replace(out.chasing, **_known(Chasing, saved["chasing"])))
    if isinstance(saved.get("meeting_days"), Mapping):
        days = MeetingDays.from_dict(saved["meeting_days"], out.meeting_days)
        out = replace(out, meeting_days=days)
    if not out.self_evaluation.first_month:  # none set: from the month the first cycle opens
        first = out.rhythms[0].starts_on.strftime("%Y-%m")
        out = replace(out, self_evaluation=replace(out.self_evaluation, first_month=first))
    return out


def _known(cls: type, value: Mapping[str, Any]) -> dict[str, Any]:
    names = set(cls.__dataclass_fields__)
    return {k: v for k, v in value.items() if k in names}


def load(cfg: Mapping[str, Any] | None = None) -> Setup:
    """Read the saved settings (one statement) over the environment's defaults."""
    cfg = cfg if cfg is not None else current_app.config
    rows = db.session.execute(select(Setting.key, Setting.value, Setting.updated_at)).all()
    return _setup(
        cfg,
        {key: value for key, value, _ in rows},
        {key: changed for key, _, changed in rows},
    )


def _setup(cfg: Mapping[str, Any], saved: Mapping[str, Any], changed: Mapping[str, Any]) -> Setup:
    """The set-up in force: the saved values over the environment's defaults, with when each
    saved one last changed and whether the rhythm is the one `tracker init` kept."""
    rhythms = saved.get("rhythms") or []
    return replace(
        _overlay(defaults(cfg), saved),
        changed_at=dict(changed),
        rhythm_kept=bool(rhythms)
        and all(isinstance(r, dict) and r.get(KEPT_AT_INIT) for r in rhythms),
    )


def current() -> Setup:
    """The set-up in force, read once a request (or once an app context outside requests)."""
    if has_app_context() and _G_KEY in g:
        return g.get(_G_KEY)
    value = load()
    if has_app_context():
        setattr(g, _G_KEY, value)
    return value


def remember(saved: Mapping[str, Any], changed: Mapping[str, Any]) -> None:
    """Keep for this request the settings read with the person signed in (the same statement
    as their menu: see reads/reference.get_user_with_plans), so pages read none of their own."""
    if has_app_context():
        setattr(g, _G_KEY, _setup(current_app.config, saved, changed))


def forget() -> None:
    """Drop the request's copy (after a save, or as a request starts)."""
    if has_app_context():
        g.pop(_G_KEY, None)


def schedule(setup: Setup | None = None) -> Schedule:
    """The update cycles the rhythms in force give."""
    return Schedule((setup or current()).rhythms)


def _save(key: str, value: Any, *, actor_id: int | None, now: datetime, was: Any = None) -> None:
    """Write one setting with its audit event; `was`: what was in force when nothing was saved
    (the environment's default), so that the first change says what it changed from."""
    row = db.session.get(Setting, key)
    old = row.value if row else was
    if row is None:
        row = Setting(key=key)
        db.session.add(row)
    row.value = value
    row.updated_at = now
    row.updated_by_id = actor_id
    add_event(
        f"setup.{key}",
        now=now,
        user_id=actor_id,
        target=key,
        detail={"from": old, "to": value},
    )


def save_words(values: Mapping[str, str], *, actor_id: int | None, now: datetime) -> Words:
    words = rules.check_words(values)
    _save("words", words.as_dict(), actor_id=actor_id, now=now)
    db.session.commit()
    forget()
    return words


def earliest_rhythm_start(today: date, setup: Setup | None = None) -> date | None:
    """The first day a new rhythm may start: None (any day) on a new tracker, with no cycle
    made; else the day after the cycle in progress ends (a change applies from the next
    cycle)."""
    return None if first_rhythm() else schedule(setup).next_start(today)


def save_rhythm(new: Rhythm, *, today: date, actor_id: int | None, now: datetime) -> Rhythm:
    """Add a rhythm from the next cycle on: the cycles that have begun keep theirs. Cycles
    already made ahead of the calendar that the new rhythm replaces (none has opened, so none
    holds a return) are made again to the new rhythm."""
    setup = current()
    if first_rhythm():
        # A new tracker (no rhythm saved, no cycle made yet): the first rhythm replaces the
        # environment's default from its own start, so the council's cycles are numbered from 1.
        rules.check_rhythm(new, earliest=date.min)
        _save("rhythms", [new.as_dict()], actor_id=actor_id, now=now)
        ensure_cycles(today, schedule=Schedule([new]))
        db.session.commit()
        forget()
        return new
    old = schedule(setup)
    earliest = old.next_start(today)
    rules.check_rhythm(new, earliest=earliest)
    if not Schedule([*setup.rhythms, new]).keeps(old, today):
        raise rules.SetupError(
            "starts_on",
            f"That date would change the cycle in progress: choose {earliest:%-d %B %Y} or "
            "a date at least a week after it",
        )
    rhythms = [r.as_dict() for r in setup.rhythms] + [new.as_dict()]
    replaced = [
        row
        for row in db.session.execute(
            select(UpdateCycle).where(UpdateCycle.opens_on >= earliest)
        ).scalars()
        if old.cycle(row.number).window_start >= new.starts_on
    ]
    ids = [row.id for row in replaced]
    if ids and _cycles_in_use(ids):
        raise rules.SetupError(
            "starts_on", "A cycle the new rhythm would replace already holds a return or update"
        )
    for row in replaced:
        db.session.delete(row)
    db.session.flush()
    _save("rhythms", rhythms, actor_id=actor_id, now=now)
    ensure_cycles(today, schedule=Schedule([*setup.rhythms, new]))
    db.session.commit()
    forget()
    return new


def keep_default_rhythm(setup: Setup, *, now: datetime) -> bool:
    """Save the default rhythm as the tracker's own when its first cycles are made and no
    rhythm is saved, if that default came from the day the app started (no
    TRACKER_CYCLE_START): a restart in a later week must not move cycles already made. The
    caller commits. Returns whether it saved."""
    if not (has_app_context() and current_app.config.get("CYCLE_START_FROM_TODAY")):
        return False
    if db.session.get(Setting, "rhythms") is not None:
        return False
    _save("rhythms", [r.as_dict() for r in setup.rhythms], actor_id=None, now=now)
    forget()
    return True


def first_rhythm() -> bool:
    """A new tracker: no cycle made yet (its first rhythm starts any day and replaces the one
    `tracker init` kept)."""
    return db.session.execute(select(UpdateCycle.id).limit(1)).first() is None


def keep_first_rhythm(*, now: datetime) -> bool:
    """At `tracker init`: keep the default rhythm in force (TRACKER_CYCLE_START's, or the week
    the command ran) as the tracker's own, so that every process (web workers and the scheduler,
    started on other days) reads one first cycle from the database rather than each working it
    out from the day it started. Nothing if a rhythm is saved. The caller commits."""
    if db.session.get(Setting, "rhythms") is not None:
        return False
    kept = [r.as_dict() | {KEPT_AT_INIT: True} for r in current().rhythms]
    _save("rhythms", kept, actor_id=None, now=now)
    forget()
    return True


def chosen(setup: Setup) -> frozenset[str]:
    """The settings the organisation has saved: every key saved, except a rhythm `tracker init`
    kept and nobody has chosen since (the set-up page calls that one a default)."""
    return frozenset(k for k in setup.changed_at if not (k == "rhythms" and setup.rhythm_kept))


def _cycles_in_use(ids: list[int]) -> bool:
    for column in (
        LocalityReturn.cycle_id,
        ActionUpdate.cycle_id,
        ActionState.cycle_id,
        Challenge.cycle_id,
    ):
        used = db.session.execute(select(column).where(column.in_(ids)).limit(1)).first()
        if used is not None:
            return True
    return False


def save_self_evaluation(
    new: SelfEvaluation, *, actor_id: int | None, now: datetime
) -> SelfEvaluation:
    rules.check_self_evaluation(new, tuple(name for name, _, _ in SECTIONS))
    this_month = now.astimezone(LONDON).strftime("%Y-%m")
    new = rules.own_sections_from_next_month(current().self_evaluation, new, this_month)
    _save("self_evaluation", new.as_dict(), actor_id=actor_id, now=now)
    db.session.commit()
    forget()
    return new


def save_chasing(new: Chasing, *, actor_id: int | None, now: datetime) -> Chasing:
    new = rules.check_chasing(new)
    _save("chasing", new.as_dict(), actor_id=actor_id, now=now)
    db.session.commit()
    forget()
    return new


def save_meeting_days(new: MeetingDays, *, actor_id: int | None, now: datetime) -> MeetingDays:
    """Each kind of meeting's usual day, as the calendar feeds plan them: audited, at once."""
    new = rules.check_meeting_days(new)
    was = current().meeting_days.as_dict()
    _save("meeting_days", new.as_dict(), actor_id=actor_id, now=now, was=was)
    db.session.commit()
    forget()
    return new


def seed(values: Mapping[str, Any], *, now: datetime) -> int:
    """Write a seed's `setup:` block where nothing is saved yet (no audit: it is the demo's
    starting point). Returns how many settings were written."""
    saved = set(db.session.execute(select(Setting.key)).scalars())
    written = 0
    for key in KEYS:
        if key in values and key not in saved and values[key] is not None:
            db.session.add(Setting(key=key, value=values[key], updated_at=now))
            written += 1
    forget()
    return written
