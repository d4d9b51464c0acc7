"""The admin's page for the organisation's words: the names of its improvement board, its
strategic group, its scrutiny body and its areas (localities, service areas, teams), shown on
every page, mail and pack from the next request."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField

from tracker.clock import now_utc
from tracker.domain.permissions import Permission
from tracker.domain.setup import WORD_LABELS, WORD_LIMIT, SetupError, word_problems
from tracker.services.access import settings
from tracker.web.access import requires
from tracker.web.admin.views import bp
from tracker.web.form_helpers import form_errors, no_nul

_HINTS = {
    "board": "For example, Improvement Board. Shown on the dashboard, the agenda, meeting packs "
    "and mails.",
    "board_short": "Used where space is short: the dashboard's title, links and mail.",
    "group": "For example, Strategic Inspection Group. Shown on the board pack and the meetings.",
    "group_short": "Used where space is short: the board pack's name, and who may read what.",
    "scrutiny": "The body the quarterly report is addressed to, for example scrutiny committee.",
    "area": "For example, Locality, Service area or Team, written as it starts a sentence (pages "
    "put it in lower case mid-sentence, unless it starts with capitals like SEND). Shown in the "
    "menu, on returns and in mails.",
    "areas": "For example, Localities, Service areas or Teams, written the same way.",
}


def _word_field(key: str) -> StringField:
    return StringField(
        WORD_LABELS[key],
        widget=GovTextInput(),
        description=f"{_HINTS[key]} {WORD_LIMIT} characters at most.",
        validators=[no_nul],
    )


class WordsForm(FlaskForm):
    """Each word as typed: the rules (given, not too long) are the domain's, in `check_words`."""

    board = _word_field("board")
    board_short = _word_field("board_short")
    group = _word_field("group")
    group_short = _word_field("group_short")
    scrutiny = _word_field("scrutiny")
    area = _word_field("area")
    areas = _word_field("areas")
    submit = SubmitField("Save the words", widget=GovSubmitInput())


@bp.route("/setup/words", methods=["GET", "POST"])
@requires(Permission.ADMIN)
def words():
    """Change the words the organisation uses; audited, in force from the next page."""
    form = WordsForm()
    if not form.is_submitted():
        for key, value in settings.current().words.as_dict().items():
            getattr(form, key).data = value
        return render_template("admin/words.html", form=form, errors=[])
    valid = form.validate()
    typed = {key: getattr(form, key).data or "" for key in WORD_LABELS}
    problems = word_problems(typed)
    for key, message in problems.items():  # every word at fault at once, not one at a time
        getattr(form, key).errors.append(message)
    if valid and not problems:
        try:
            settings.save_words(typed, actor_id=current_user.id, now=now_utc())
        except SetupError as exc:
            getattr(form, exc.field).errors.append(exc.message)
        else:
            flash("The words are saved: every page, mail and pack uses them now.", "success")
            return redirect(url_for("admin.words"))
    return render_template("admin/words.html", form=form, errors=form_errors(form)), 400
