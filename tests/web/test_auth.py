from sqlalchemy import select

from tests.builders import make_user
from tests.conftest import csrf_token
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
