from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from tracker.clock import now_utc, real_now_utc
from tracker.domain.people import LinkState
from tracker.domain.permissions import Permission
from tracker.extensions import limiter
from tracker.services.access import auth as auth_service
from tracker.services.access import invitations
from tracker.services.access import people as people_service
from tracker.web.access import public, requires
from tracker.web.auth import devices
from tracker.web.auth.forms import (
    ConfirmPasswordForm,
    NewPasswordForm,
    SetPasswordForm,
    SignInForm,
)
from tracker.web.auth.recent import mark_signed_in
from tracker.web.form_helpers import form_errors

bp = Blueprint("auth", __name__)


def _email_tried() -> str:
    return (request.form.get("email") or "").strip().lower()[:254]


def _sign_in_key() -> str:
    return f"{request.remote_addr}|{_email_tried()}"


def _address_key() -> str:
    return f"address|{request.remote_addr}"


def _account_key() -> str:
    return f"account|{_email_tried()}"


def _known_device() -> bool:
    return devices.known_device_for(_email_tried()) is not None


def _unknown_device() -> bool:
    return not _known_device()


def _device_key() -> str:
    return f"device|{devices.known_device_for(_email_tried())}|{_email_tried()}"


def _failed(response) -> bool:
    """Only refused sign-ins count towards the address and account limits."""
    return response.status_code == 400


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
        ):
            return target
    return url_for("pages.home")


@bp.route("/sign-in", methods=["GET", "POST"])
@public
# A browser the account's owner signed in from before (devices.py) is limited on its own, by
# the device: none of the limits below can keep the owner out of it.
@limiter.limit(
    lambda: current_app.config["SIGN_IN_RATE_LIMIT"],
    key_func=_device_key,
    methods=["POST"],
    exempt_when=_unknown_device,
)
@limiter.limit(
    lambda: current_app.config["SIGN_IN_RATE_LIMIT"],
    key_func=_sign_in_key,
    methods=["POST"],
    exempt_when=_known_device,
)
# Password spraying: many emails from one address.
@limiter.limit(
    lambda: current_app.config["SIGN_IN_ADDRESS_LIMIT"],
    key_func=_address_key,
    methods=["POST"],
    deduct_when=_failed,
    exempt_when=_known_device,
)
# One account tried from many addresses: slowed, for a short while only.
@limiter.limit(
    lambda: current_app.config["SIGN_IN_ACCOUNT_LIMIT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    exempt_when=_known_device,
)
# Spraying from many addresses: refused sign-ins across the whole service.
@limiter.limit(
    lambda: current_app.config["SIGN_IN_GLOBAL_LIMIT"],
    key_func=lambda: "sign-in-global",
    methods=["POST"],
    deduct_when=_failed,
    exempt_when=_known_device,
)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        user = auth_service.authenticate(
            form.email.data,
            form.password.data,
            now=now_utc(),
            remote_addr=request.remote_addr or "",
            hash_method=current_app.config["PASSWORD_HASH_METHOD"],
        )
        if user is not None:
            login_user(user)
            mark_signed_in()
            session["started_at"] = int(real_now_utc().timestamp())  # the absolute lifetime
            response = redirect(_safe_next(request.args.get("next")))
            devices.remember(response, form.email.data)
            return response
        error = "The email address or password is not right"
        form.password.errors = [error]
    return render_template("auth/sign_in.html", form=form, error=error), (
        200 if not form.errors else 400
    )


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config["SIGN_IN_RATE_LIMIT"], key_func=_address_key, methods=["POST"]
)
@limiter.limit("3 per hour", key_func=_account_key, methods=["POST"])
def forgot_password():
    """A one-time link to set a new password, sent to the account's own address only. The page
    says the same whether or not there is such an account."""
    form = NewPasswordForm()
    if form.validate_on_submit():
        from datetime import timedelta

        invitations.request_new_password(
            form.email.data,
            now=now_utc(),
            lifetime=timedelta(hours=current_app.config["INVITATION_HOURS"]),
            base_url=current_app.config["BASE_URL"],
            remote_addr=request.remote_addr or "",
        )
        return render_template("auth/forgot_sent.html", email=form.email.data)
    return render_template("auth/forgot.html", form=form), (400 if form.errors else 200)


@bp.route("/confirm-sign-in", methods=["GET", "POST"])
@requires(Permission.READ_PLAN)  # anyone signed in
@limiter.limit(
    lambda: current_app.config["SIGN_IN_RATE_LIMIT"],
    key_func=lambda: f"confirm|{current_user.id}",
    methods=["POST"],
)
def confirm_sign_in():
    """Your password again, before an admin change, when you signed in a while ago."""
    target = _safe_next(request.args.get("next"))
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        if auth_service.confirm_password(
            current_user.id,
            form.password.data,
            now=now_utc(),
            remote_addr=request.remote_addr or "",
        ):
            mark_signed_in()
            return redirect(target)
        form.password.errors = ["The password is not right"]
    return render_template(
        "auth/confirm.html", form=form, minutes=current_app.config["REAUTH_MINUTES"]
    ), (400 if form.errors else 200)


@bp.post("/sign-out")
@login_required
def sign_out():
    auth_service.sign_out(current_user.id, now=now_utc(), remote_addr=request.remote_addr or "")
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


GONE = {
    LinkState.USED: (
        "This link has already been used",
        "An invitation link works once. If you set your password, sign in with it. If not, ask "
        "the tracker's administrator to send you a new invitation.",
    ),
    LinkState.EXPIRED: (
        "This link has expired",
        "An invitation link works for {hours} hours. Ask the tracker's administrator to send you "
        "a new invitation.",
    ),
    LinkState.UNKNOWN: (
        "This link does not work",
        "Check that you copied the whole link from the email. If it still does not work, ask the "
        "tracker's administrator to send you a new invitation.",
    ),
}


def _gone(state: LinkState):
    title, detail = GONE[state]
    detail = detail.format(hours=current_app.config["INVITATION_HOURS"])
    status = 404 if state is LinkState.UNKNOWN else 410
    return render_template("auth/invitation_gone.html", title=title, detail=detail), status


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config["SIGN_IN_RATE_LIMIT"],
    key_func=lambda: f"{request.remote_addr}|{request.path}",
    methods=["POST"],
)
def invitation(token: str):
    """The one-time link from an invitation: set a password, then sign in."""
    invited = invitations.get_invitation(token, now=now_utc())
    if invited.state is not LinkState.VALID:
        return _gone(invited.state)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            invitations.accept_invitation(
                token,
                form.password.data,
                form.confirm.data,
                now=now_utc(),
                hash_method=current_app.config["PASSWORD_HASH_METHOD"],
            )
        except people_service.Refused as refused:
            if refused.field in {s.value for s in LinkState}:
                return _gone(LinkState(refused.field))
            getattr(form, refused.field, form.password).errors.append(refused.message)
        else:
            if current_user.is_authenticated:
                logout_user()  # someone else's session on this browser: sign in afresh
            flash(
                "Your password is set. Sign in with your email address and new password.", "success"
            )
            return redirect(url_for("auth.sign_in"))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "auth/invitation.html", form=form, invited=invited, errors=form_errors(form)
    ), status
