from flask import g
from sqlalchemy import select

from tests.builders import make_user
from tests.conftest import DEMO_PASSWORD, csrf_token
from tracker.extensions import db
from tracker.models import AuditEvent

PASSWORD = "a-long-test-password"


def _post_sign_in(client, email, password, token=None):
    token = token or csrf_token(client, "/sign-in")
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})


def test_sign_in_page_renders_a_gov_uk_form(client):
    page = client.get("/sign-in")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="csrf_token"' in html and "govuk-input" in html


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_a_person_signs_in_and_out_and_both_are_audited(client):
    user = make_user(email="lead@trust.example")
    db.session.commit()
    response = _post_sign_in(client, "Lead@Trust.example ", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    response = client.post("/sign-out", data={"csrf_token": csrf_token(client, "/accessibility")})
    assert response.status_code == 302
    kinds = (
        db.session.execute(
            select(AuditEvent.kind).where(AuditEvent.user_id == user.id).order_by(AuditEvent.id)
        )
        .scalars()
        .all()
    )
    assert kinds == ["sign_in", "sign_out"]
    assert client.get("/").status_code == 302


def test_a_wrong_password_says_so_without_saying_which_part_was_wrong(client):
    make_user(email="lead@trust.example")
    db.session.commit()
    wrong_password = _post_sign_in(client, "lead@trust.example", "not-the-password")
    unknown_email = _post_sign_in(client, "nobody@trust.example", PASSWORD)
    for response in (wrong_password, unknown_email):
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "The email address or password is not right" in html
        assert "govuk-error-summary" in html
    failures = (
        db.session.execute(select(AuditEvent).where(AuditEvent.kind == "sign_in_failed"))
        .scalars()
        .all()
    )
    assert len(failures) == 2


def test_an_empty_form_gets_an_error_summary_linking_to_each_field(client):
    response = _post_sign_in(client, "", "")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#email"' in html and "Enter your email address" in html
    assert 'href="#password"' in html and "Enter your password" in html


def test_a_person_who_has_left_cannot_sign_in(client):
    make_user(email="gone@trust.example", active=False)
    db.session.commit()
    assert _post_sign_in(client, "gone@trust.example", PASSWORD).status_code == 400


def test_the_sixth_rapid_sign_in_attempt_is_refused_with_429(client):
    make_user(email="lead@trust.example")
    db.session.commit()
    token = csrf_token(client, "/sign-in")
    statuses = [
        _post_sign_in(client, "lead@trust.example", "wrong", token).status_code for _ in range(6)
    ]
    assert statuses == [400] * 5 + [429]
    # Even the right password is refused until the window passes.
    assert _post_sign_in(client, "lead@trust.example", PASSWORD, token).status_code == 429


def test_sign_in_without_a_csrf_token_is_refused(client):
    make_user(email="lead@trust.example")
    db.session.commit()
    response = client.post("/sign-in", data={"email": "lead@trust.example", "password": PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)


def test_sign_in_ignores_an_offsite_next_address(client):
    make_user(email="lead@trust.example")
    db.session.commit()
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in?next=https://evil.example/",
        data={"email": "lead@trust.example", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_security_headers_and_cookie_flags(client):
    make_user(email="lead@trust.example")
    db.session.commit()
    page = client.get("/sign-in")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    html = page.get_data(as_text=True)
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in html  # the template's inline js-enabled script carries it
    response = _post_sign_in(client, "lead@trust.example", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_passwords_are_stored_hashed(clean_db):
    user = make_user(email="lead@trust.example")
    assert user.password_hash and PASSWORD not in user.password_hash


def test_errors_never_leak_a_stack_trace(clean_db):
    from tests.conftest import EMPTY_URL, make_app

    app = make_app(EMPTY_URL)

    @app.get("/boom-for-test")
    def boom():  # pragma: no cover - the handler is what is tested
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom-for-test")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in html and "Traceback" not in html
    assert "Sorry, there is a problem with the service" in html


def _saved_session(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_a_session_cookie_saved_before_signing_out_no_longer_works(client):
    make_user(email="lead@trust.example")
    db.session.commit()
    _post_sign_in(client, "lead@trust.example", PASSWORD)
    saved = _saved_session(client)
    assert client.get("/").status_code == 200
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/accessibility")})
    client.set_cookie("session", saved)  # replayed, as a thief with a copy would
    g.pop("_login_user", None)  # the test's app context outlives requests: forget who it cached
    response = client.get("/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    # Signing in again makes a new session that works.
    _post_sign_in(client, "lead@trust.example", PASSWORD)
    assert client.get("/").status_code == 200


def test_a_role_change_or_leaving_ends_the_person_s_sessions(client):
    from datetime import UTC, datetime

    from tracker.services.access import people

    admin = make_user(email="admin@trust.example", role="admin")
    lead = make_user(email="lead@trust.example")
    db.session.commit()
    _post_sign_in(client, "lead@trust.example", PASSWORD)
    assert client.get("/").status_code == 200
    details = people.PersonDetails(
        email=lead.email,
        name=lead.name,
        job_title=lead.job_title,
        organisation_id=lead.organisation_id,
        role="viewer",
        locality_id=None,
        line_manager_id=None,
        deputy_locality_id=None,
    )
    now = datetime(2016, 2, 5, 9, tzinfo=UTC)
    people.change_person(lead.id, details, actor_id=admin.id, now=now)
    g.pop("_login_user", None)  # the test's app context outlives requests: forget who it cached
    assert client.get("/").status_code == 302  # signed out: they sign in again as a viewer
    _post_sign_in(client, "lead@trust.example", PASSWORD)
    assert client.get("/").status_code == 200
    people.mark_left(lead.id, actor_id=admin.id, now=now)
    g.pop("_login_user", None)
    assert client.get("/").status_code == 302


def test_an_old_style_or_forged_session_id_signs_nobody_in(client, app):
    from tracker.security import _load_user

    user = make_user(email="lead@trust.example")
    db.session.commit()
    assert _load_user(f"{user.id}:1") is user
    for forged in (str(user.id), f"{user.id}:2", f"{user.id}:x", "99999999999:1", ":", ""):
        assert _load_user(forged) is None


def test_a_session_left_idle_ends_and_says_why(client, app):
    make_user(email="lead@trust.example")
    db.session.commit()
    _post_sign_in(client, "lead@trust.example", PASSWORD)
    assert client.get("/").status_code == 200
    with client.session_transaction() as saved:
        saved["seen_at"] -= app.config["SESSION_IDLE_MINUTES"] * 60 - 60  # 29 minutes ago
    g.pop("_login_user", None)
    assert client.get("/").status_code == 200  # still signed in, and marked as used again
    with client.session_transaction() as saved:
        saved["seen_at"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    g.pop("_login_user", None)
    response = client.get("/", follow_redirects=True)
    assert "/sign-in" in response.request.path
    assert "signed out after 30 minutes without activity" in response.get_data(as_text=True)


def test_signed_in_pages_and_every_api_answer_are_never_cached(client):
    make_user(email="lead@trust.example")
    db.session.commit()
    assert "no-store" not in client.get("/sign-in").headers.get("Cache-Control", "")
    assert client.get("/api/v1/actions").headers["Cache-Control"] == "no-store"  # a 401 too
    _post_sign_in(client, "lead@trust.example", PASSWORD)
    assert client.get("/").headers["Cache-Control"] == "no-store"
    css = client.get("/static/tracker.css")
    css.close()  # a file response: close it, or its file is left for the collector
    assert "no-store" not in css.headers.get("Cache-Control", "")


def test_production_refuses_a_short_secret_key_and_sends_hsts():
    import pytest

    from config import Config
    from tracker import create_app

    with pytest.raises(RuntimeError, match="at least 32 random bytes"):
        create_app(Config, SECRET_KEY="short-but-not-the-default", TESTING=False)
    app = create_app(
        Config, SECRET_KEY="k" * 32, SQLALCHEMY_DATABASE_URI="sqlite://", TESTING=False
    )
    secure = app.test_client().get("/sign-in", headers={"X-Forwarded-Proto": "https"})
    assert "max-age=31536000" in secure.headers["Strict-Transport-Security"]


def _attempt(client, email, password, address):
    token = csrf_token(client, "/sign-in")
    return client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    ).status_code


def test_spraying_many_emails_from_one_address_is_stopped(client):
    statuses = [
        _attempt(client, f"guess{i}@trust.example", "password123456", "203.0.113.9")
        for i in range(30)
    ]
    assert statuses[:20] == [400] * 20  # "20 per 10 minutes" refused sign-ins an address
    assert set(statuses[20:]) == {429}
    # Another address is not affected.
    assert _attempt(client, "guess0@trust.example", "password123456", "203.0.113.10") == 400


def test_one_account_tried_from_many_addresses_is_slowed_but_not_for_long(client, monkeypatch):
    import time

    make_user(email="lead@trust.example")
    db.session.commit()
    monkeypatch.setitem(client.application.config, "SIGN_IN_ACCOUNT_LIMIT", "3 per 2 seconds")
    statuses = [
        _attempt(client, "lead@trust.example", "wrong-password", f"198.51.100.{i}")
        for i in range(4)
    ]
    assert statuses == [400, 400, 400, 429]
    # Even the right password waits while the account is being attacked ...
    assert _attempt(client, "lead@trust.example", PASSWORD, "192.0.2.1") == 429
    time.sleep(2.1)
    # ... but only for the window: its owner is not locked out for long.
    assert _attempt(client, "lead@trust.example", PASSWORD, "192.0.2.1") == 302


def test_the_limits_hold_across_workers_sharing_redis(clean_db):
    """Two processes (two workers, or two hosts) counting in the real Redis on this machine:
    the address limit holds across both."""
    import subprocess
    import sys
    import uuid
    from pathlib import Path

    script = Path(__file__).with_name("sign_in_attempts.py")
    url = clean_db.config["SQLALCHEMY_DATABASE_URI"]
    prefix = f"test-{uuid.uuid4().hex}"

    def attempts(n: int, start: int) -> list[int]:
        out = subprocess.run(
            [
                sys.executable,
                str(script),
                url,
                "redis://127.0.0.1:6379/15",
                prefix,
                "203.0.113.77",
                str(n),
                str(start),
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return [int(code) for code in out.stdout.split()]

    first = attempts(12, 0)
    second = attempts(12, 100)
    assert first == [400] * 12
    assert second == [400] * 8 + [429] * 4  # the other worker's 12 counted too


def test_an_unknown_email_costs_the_same_hash_as_a_real_account(clean_db, monkeypatch):
    """Seen: a wrong password took 262 ms for a real account and 35 ms for an unknown email,
    because the stand-in hash was a cheap PBKDF2. Both are now checked against a hash of the
    configured method and cost (scrypt:8192:8:10 in production)."""
    from datetime import UTC, datetime

    from werkzeug.security import generate_password_hash

    from tracker.services.access import auth

    method = "scrypt:8192:8:10"
    user = make_user(email="lead@trust.example")
    user.password_hash = generate_password_hash("a-long-test-password", method=method)
    db.session.commit()
    checked: list[str] = []
    real_check = auth.check_password_hash

    def spy(pwhash: str, password: str) -> bool:
        checked.append(pwhash.split("$", 1)[0])
        return real_check(pwhash, password)

    monkeypatch.setattr(auth, "check_password_hash", spy)
    now = datetime(2016, 2, 5, 9, tzinfo=UTC)
    for email in ("lead@trust.example", "nobody@trust.example"):
        assert (
            auth.authenticate(email, "wrong-password", now=now, remote_addr="", hash_method=method)
            is None
        )
    assert checked == [method, method]  # the same kind and cost, known account or not


# These use the seeded app: the `client` fixture holds an app context open, so `g` (the signed-in
# person, the limiter's bookkeeping) would carry over from one test client to the next.
CHAIR = "chief.executive@trust.example"
LEAD = "hos.mash@trust.example"


def test_the_owner_on_a_browser_used_before_is_never_locked_out_by_an_attack(seeded_app):
    owner = seeded_app.test_client()
    assert _attempt(owner, CHAIR, DEMO_PASSWORD, "192.0.2.1") == 302  # this browser is known now
    owner.delete_cookie("session")  # signed out; the browser keeps its device cookie

    attacker = seeded_app.test_client()
    statuses = [_attempt(attacker, CHAIR, "guess-123456", f"198.51.100.{i}") for i in range(12)]
    assert statuses[:10] == [400] * 10 and set(statuses[10:]) == {429}  # the account limit
    # A new browser with the right password still waits ...
    assert _attempt(attacker, CHAIR, DEMO_PASSWORD, "192.0.2.77") == 429
    # ... but the owner, from the browser they used before, on any address, gets in.
    assert _attempt(owner, CHAIR, DEMO_PASSWORD, "192.0.2.1") == 302


def test_spraying_from_many_addresses_is_limited_across_the_service(seeded_app, monkeypatch):
    owner = seeded_app.test_client()
    assert _attempt(owner, LEAD, DEMO_PASSWORD, "192.0.2.1") == 302
    owner.delete_cookie("session")  # signed out; the browser keeps its device cookie
    monkeypatch.setitem(seeded_app.config, "SIGN_IN_GLOBAL_LIMIT", "15 per 10 minutes")

    sprayer = seeded_app.test_client()
    statuses = [
        _attempt(sprayer, f"guess{i}@trust.example", "password123456", f"203.0.113.{i}")
        for i in range(20)
    ]  # one try per address and per account: no address or account limit is reached
    assert statuses[:15] == [400] * 15 and set(statuses[15:]) == {429}
    assert _attempt(sprayer, LEAD, DEMO_PASSWORD, "203.0.113.99") == 429
    assert _attempt(owner, LEAD, DEMO_PASSWORD, "192.0.2.1") == 302


def test_a_forged_device_cookie_is_not_a_known_device(seeded_app, monkeypatch):
    monkeypatch.setitem(seeded_app.config, "SIGN_IN_ACCOUNT_LIMIT", "3 per 10 minutes")
    forger = seeded_app.test_client()
    forger.set_cookie("tracker_device", "eyJkIjoieCIsImEiOltdfQ.forged", path="/sign-in")
    statuses = [_attempt(forger, LEAD, "wrong-password", f"198.51.100.{i}") for i in range(5)]
    assert statuses == [400, 400, 400, 429, 429]


def test_a_busy_session_still_ends_its_absolute_lifetime_after_sign_in(client, app):
    from flask import g

    make_user(email="lead@trust.example")
    db.session.commit()
    _post_sign_in(client, "lead@trust.example", PASSWORD)
    hours = app.config["SESSION_ABSOLUTE_HOURS"]
    with client.session_transaction() as saved:
        saved["started_at"] -= hours * 3600 - 60  # signed in nearly that long ago, busy since
    g.pop("_login_user", None)
    assert client.get("/").status_code == 200
    with client.session_transaction() as saved:
        saved["started_at"] -= 120
    g.pop("_login_user", None)
    response = client.get("/", follow_redirects=True)
    assert "/sign-in" in response.request.path
    assert f"signed in more than {hours} hours ago" in response.get_data(as_text=True)
