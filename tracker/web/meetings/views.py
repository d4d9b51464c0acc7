"""Governance meetings: the list, recording one (which freezes the plan), the meeting page with
its snapshot, decisions and follow-ups, and its pack as printable HTML and PDF."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.clock import now_utc, today_london
from tracker.domain.dates import parse_day
from tracker.domain.meetings import (
    MAX_FOLLOW_UPS,
    FollowUpProposal,
    MeetingProposal,
    check_meeting,
    decision_lines,
)
from tracker.domain.permissions import Permission, Target
from tracker.http.meeting_pack import docx_response, exception_rows, pack_html, pdf_response
from tracker.http.requests import dashboard_settings
from tracker.services.access.settings import current as current_setup
from tracker.services.errors import BadFilter, NotFound
from tracker.services.governance import meetings as meeting_service
from tracker.services.governance import pack_paper
from tracker.services.governance.meeting_snapshot import snapshot_day
from tracker.services.plan.updates import Forbidden
from tracker.web import listing
from tracker.web.access import actor_for, allowed, refuse, requires
from tracker.web.form_helpers import form_errors
from tracker.web.meetings.forms import FollowUpDoneForm, MeetingForm, PackNoteForm

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

PER_PAGE = 50


@bp.get("")
@requires(Permission.READ_MEETING)
def index():
    try:
        page = listing.read_page()
    except BadFilter as exc:
        abort(400, description=exc.message)
    meetings, total = meeting_service.list_meetings(
        actor_for(current_user), page=page, per_page=PER_PAGE
    )
    pages = listing.Pages(page=page, total=total, per_page=PER_PAGE)
    if page > pages.count:
        return redirect(url_for("meetings.index", page=pages.count))
    return render_template(
        "meetings/index.html",
        meetings=meetings,
        pages=pages,
        pagination=pages.component(lambda n: url_for("meetings.index", page=n)),
        may_record=allowed(Permission.RECORD_MEETING),
    )


def _people_choices(form: MeetingForm, people) -> None:
    choices = [(str(p.id), f"{p.name}, {p.job_title}" if p.job_title else p.name) for p in people]
    form.chair.choices = [("", "Select the chair"), *choices]
    form.attendees.choices = choices
    for entry in form.follow_ups:
        entry.form.assignee.choices = [("", "Select a person"), *choices]


def _as_id(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdecimal() and len(value) <= 10 else None


def _as_day(field):
    text = (field.data or "").strip()
    if not text:
        return None
    try:
        return parse_day(text)
    except ValueError as exc:
        field.errors = [*field.errors, str(exc)]
        return None


def _proposal(form: MeetingForm) -> tuple[MeetingProposal, list[int]]:
    """The meeting as plain values, and for each follow-up the form row it came from."""
    rows = [i for i, entry in enumerate(form.follow_ups) if not entry.form.is_blank]
    follow_ups = []
    for i in rows:
        fields = form.follow_ups[i].form
        follow_ups.append(
            FollowUpProposal(
                text=(fields.text.data or "").strip(),
                assignee_id=_as_id(fields.assignee.data),
                due_on=_as_day(fields.due_on),
            )
        )
    attendee_ids = tuple(a for a in (_as_id(v) for v in form.attendees.data or []) if a)
    proposal = MeetingProposal(
        kind=form.kind.data or "",
        held_on=_as_day(form.held_on),
        chair_id=_as_id(form.chair.data),
        attendee_ids=attendee_ids,
        other_attendees=form.other_attendees.data or "",
        notes=form.notes.data or "",
        decisions=decision_lines(form.decisions.data or ""),
        follow_ups=tuple(follow_ups),
    )
    return proposal, rows


def _field_for(form: MeetingForm, name: str, rows: list[int]):
    """The form field a service error names (follow-up errors name the n-th filled row)."""
    if name.startswith("follow_ups-"):
        _, n, part = name.split("-")
        return getattr(form.follow_ups[rows[int(n)]].form, part)
    return getattr(form, name, None)


def _show_problems(form: MeetingForm, problems: dict[str, str], rows: list[int]) -> None:
    """Each problem on the field it names (a problem with the list of follow-ups on the list)."""
    for name, message in problems.items():
        if name == "key":
            form.key.data = secrets.token_hex(16)  # a fresh form, sent again
            form.submit.errors = [message]
            continue
        if name == "follow_ups":
            form.follow_ups.errors = [message]
            continue
        field = _field_for(form, name, rows)
        if field is not None and not field.errors:
            field.errors = [message]


def _nobody_attending(proposal: MeetingProposal) -> bool:
    return not proposal.attendee_ids and not proposal.other_attendees.strip()


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.RECORD_MEETING)
def new():
    form = MeetingForm()
    form.name_kinds(current_setup().words)
    people = meeting_service.list_people()
    status = 200
    nobody_attending = False
    new_row = None
    if request.method == "GET":
        form.key.data = secrets.token_hex(16)
        form.held_on.data = f"{today_london():%-d/%-m/%Y}"
        form.kind.data = "getting_to_good"
        form.chair.data = str(current_user.id) if current_user.role == "chair" else ""
    elif form.add_follow_up.data:
        # "Add another follow-up" without JavaScript: the form again with one more row, focused;
        # nothing is checked or saved yet.
        if form.may_add_follow_up:
            form.follow_ups.append_entry()
            new_row = len(form.follow_ups) - 1
    elif form.validate_on_submit():
        proposal, rows = _proposal(form)
        if _nobody_attending(proposal) and not form.save_without_attendees.data:
            # Never saved silently: the chair is warned, and saves without attendees on purpose.
            nobody_attending = True
            _show_problems(form, check_meeting(proposal, today=today_london()), rows)
        else:
            # A date that is not understood is left out: the service then refuses the meeting,
            # so every problem is shown at once (the date's own words kept on its field).
            try:
                meeting_id, made = meeting_service.record_meeting(
                    proposal,
                    key=form.key.data or "",
                    actor=actor_for(current_user),
                    now=now_utc(),
                    today=today_london(),
                    remote_addr=request.remote_addr or "",
                    dashboard=dashboard_settings(),
                )
            except Forbidden:
                refuse(Permission.RECORD_MEETING)
            except meeting_service.MeetingRejected as exc:
                _show_problems(form, exc.errors, rows)
                nobody_attending = _nobody_attending(proposal)
            else:
                if made:
                    flash("Meeting recorded. The plan as it stands now is frozen in it.", "success")
                return redirect(url_for("meetings.show", meeting_id=meeting_id))
    else:
        nobody_attending = not (form.attendees.data or (form.other_attendees.data or "").strip())
    _people_choices(form, people)
    errors = form_errors(form, *(entry.form for entry in form.follow_ups))
    if request.method == "POST" and errors:
        status = 400
    return render_template(
        "meetings/new.html",
        form=form,
        errors=errors,
        nobody_attending=nobody_attending,
        new_row=new_row,
        max_follow_ups=MAX_FOLLOW_UPS,
    ), status


def _visible_meeting(meeting_id: int) -> meeting_service.MeetingView:
    """The meeting, or 404; a 403 saying who may see it when this person may not."""
    try:
        meeting = meeting_service.get_meeting(meeting_id)
    except NotFound:
        abort(404)
    if not allowed(Permission.READ_MEETING, meeting.target):
        refuse(Permission.READ_MEETING, detail=meeting_service.who_sees())
    return meeting


@bp.get("/<int:meeting_id>")
@requires(Permission.READ_MEETING)
def show(meeting_id: int):
    meeting = _visible_meeting(meeting_id)
    may_tick = {
        f.id
        for f in meeting.follow_ups
        if allowed(Permission.COMPLETE_FOLLOW_UP, Target(lead_user_id=f.assignee.id))
    }
    return render_template(
        "meetings/show.html",
        m=meeting,
        s=meeting.snapshot,
        exceptions=exception_rows(meeting.snapshot),
        may_tick=may_tick,
        as_at_day=snapshot_day(meeting.snapshot),
        downloads=_downloads(meeting),
    )


def _downloads(meeting) -> dict[str, str]:
    """What the meeting page offers: its pack (PDF) to everyone who sees the meeting; to people
    who may export, the plan as a workbook and as CSV as at the day of the snapshot's moment
    (exports take a day, and show the plan at its end)."""
    links = {
        "pdf": url_for("meetings.pack_pdf", meeting_id=meeting.id),
        "docx": url_for("meetings.pack_docx", meeting_id=meeting.id),
    }
    if allowed(Permission.WRITE_PACK_NOTE):
        links["note"] = url_for("meetings.note", meeting_id=meeting.id)
    if allowed(Permission.EXPORT):
        day = snapshot_day(meeting.snapshot).isoformat()
        links["xlsx"] = url_for("api.plan_xlsx", as_at=day)
        links["csv"] = url_for("api.plan_csv", as_at=day)
    return links


@bp.post("/<int:meeting_id>/follow-ups/<int:follow_up_id>")
@requires(Permission.COMPLETE_FOLLOW_UP)
def follow_up(meeting_id: int, follow_up_id: int):
    form = FollowUpDoneForm()
    if not form.validate_on_submit() or form.done.data not in ("yes", "no"):
        abort(400, description="Choose whether the follow-up is done.")
    meeting = _visible_meeting(meeting_id)
    try:
        meeting_service.set_follow_up_done(
            meeting.id,
            follow_up_id,
            done=form.done.data == "yes",
            actor=actor_for(current_user),
            now=now_utc(),
            remote_addr=request.remote_addr or "",
        )
    except NotFound:
        abort(404)
    except Forbidden:
        refuse(
            Permission.COMPLETE_FOLLOW_UP,
            detail="Only the person holding a follow-up, or a chair, can mark it done.",
        )
    flash(
        "Follow-up marked as done." if form.done.data == "yes" else "Follow-up marked as not done.",
        "success",
    )
    return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor="follow-ups"))


@bp.get("/<int:meeting_id>/pack")
@requires(Permission.READ_MEETING)
def pack(meeting_id: int):
    """The pack as a printable page (the browser's print makes the same document)."""
    meeting = _visible_meeting(meeting_id)
    return pack_html(
        meeting,
        pdf_url=url_for("meetings.pack_pdf", meeting_id=meeting.id),
        back_url=url_for("meetings.show", meeting_id=meeting.id),
    )


@bp.get("/<int:meeting_id>/pack.pdf", endpoint="pack_pdf")
@requires(Permission.READ_MEETING)
def pack_download(meeting_id: int):
    return pdf_response(_visible_meeting(meeting_id))


@bp.get("/<int:meeting_id>/pack.docx", endpoint="pack_docx")
@requires(Permission.READ_MEETING)
def pack_word(meeting_id: int):
    """The pack as a Word document, for papers that go through a committee system."""
    return docx_response(_visible_meeting(meeting_id))


@bp.route("/<int:meeting_id>/note", methods=["GET", "POST"])
@requires(Permission.WRITE_PACK_NOTE)
def note(meeting_id: int):
    """The pack's covering note: the chair or a group member writes it; each save is a new
    version, and the earlier ones are listed below the form."""
    meeting = _visible_meeting(meeting_id)
    form = PackNoteForm()
    status = 200
    if request.method == "GET":
        history = pack_paper.note_history(meeting.id)
        form.note.data = history[0].text if history else ""
    elif form.validate_on_submit():
        try:
            version = pack_paper.write_note(
                meeting.id,
                form.note.data or "",
                actor=actor_for(current_user),
                now=now_utc(),
                remote_addr=request.remote_addr or "",
            )
        except Forbidden:
            refuse(Permission.WRITE_PACK_NOTE)
        except pack_paper.NoteRejected as exc:
            form.note.errors = [exc.message]
        else:
            flash(f"Covering note saved (version {version}). The pack now carries it.", "success")
            return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor="pack"))
    errors = form_errors(form)
    if request.method == "POST":
        status = 400  # refused: by the rules, or an expired form (its CSRF token)
    return render_template(
        "meetings/note.html",
        m=meeting,
        form=form,
        errors=errors,
        history=pack_paper.note_history(meeting.id),
    ), status


@bp.app_template_filter("iso_day")
def iso_day(value: str):
    """A snapshot's stored date (YYYY-MM-DD) as a date, for the date filters."""
    return date.fromisoformat(value)


@bp.app_template_filter("iso_moment")
def iso_moment(value: str):
    """A snapshot's stored moment (UTC, ending in Z) as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
