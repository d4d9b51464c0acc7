"""Configuration: the only module that reads environment variables."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings shared by every environment; each reads TRACKER_* variables."""

    SECRET_KEY = _env("TRACKER_SECRET_KEY", "dev-only-insecure-key")
    SQLALCHEMY_DATABASE_URI = _env(
        "TRACKER_DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'tracker.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # SQLite files only (ignored for :memory: and PostgreSQL): write-ahead logging, so readers do
    # not wait for a writer, and how long a writer waits for another before "database is locked".
    SQLITE_WAL = _bool("TRACKER_SQLITE_WAL", True)
    SQLITE_BUSY_TIMEOUT_MS = int(_env("TRACKER_SQLITE_BUSY_TIMEOUT_MS", "5000") or 5000)
    # Demo mode: a fixed "today" inside the 2016 story, demo accounts, mail kept in the outbox.
    DEMO_MODE = _bool("TRACKER_DEMO", False)
    TODAY = _env("TRACKER_TODAY")  # YYYY-MM-DD; unset in production means the real London date
    DEMO_PASSWORD = _env("TRACKER_DEMO_PASSWORD", "illustrative-demo-2016")
    # Which date the 70 working days run from when the inspection row does not say.
    DEADLINE_ANCHOR = _env("TRACKER_DEADLINE_ANCHOR", "publication")
    # Each inspection framework's rule: the working days from the report (or letter) to the
    # action plan, 0 for none. The README names each default's source.
    DEADLINE_WORKING_DAYS = {
        "SIF": int(_env("TRACKER_DEADLINE_DAYS_SIF", "70") or 0),
        "ILACS_STANDARD": int(_env("TRACKER_DEADLINE_DAYS_ILACS_STANDARD", "70") or 0),
        "ILACS_SHORT": int(_env("TRACKER_DEADLINE_DAYS_ILACS_SHORT", "70") or 0),
        # Counted only when the visit finds areas for priority action.
        "FOCUSED_VISIT": int(_env("TRACKER_DEADLINE_DAYS_FOCUSED_VISIT", "70") or 0),
        "MONITORING_VISIT": int(_env("TRACKER_DEADLINE_DAYS_MONITORING_VISIT", "0") or 0),
        "JTAI": int(_env("TRACKER_DEADLINE_DAYS_JTAI", "70") or 0),
        "SEND_AREA": int(_env("TRACKER_DEADLINE_DAYS_SEND_AREA", "0") or 0),
        "OTHER": int(_env("TRACKER_DEADLINE_DAYS_OTHER", "0") or 0),
    }

    SMTP_HOST = _env("TRACKER_SMTP_HOST")
    SMTP_PORT = int(_env("TRACKER_SMTP_PORT", "25") or 25)
    SMTP_STARTTLS = _bool("TRACKER_SMTP_STARTTLS", False)
    SMTP_USERNAME = _env("TRACKER_SMTP_USERNAME")
    SMTP_PASSWORD = _env("TRACKER_SMTP_PASSWORD")
    MAIL_FROM = _env("TRACKER_MAIL_FROM", "action-plan-tracker@localhost")

    # People who left more than this many years ago are anonymised (name, email, job title,
    # password); the plan's history keeps their rows. 0 turns it off.
    RETENTION_YEARS = int(_env("TRACKER_RETENTION_YEARS", "6") or 0)
    # How long an invitation link to set a password works (it works once).
    INVITATION_HOURS = int(_env("TRACKER_INVITATION_HOURS", "48") or 48)

    BASE_URL = _env("TRACKER_BASE_URL", "http://127.0.0.1:5000")
    # The guides (the docs site) at a hosted copy, e.g. https://docs.example.org/tracker/: the
    # Help links go there. Unset, the tracker serves the site `make docs` built into site/ under
    # /help/, or a page saying how to build it.
    HELP_URL = _env("TRACKER_HELP_URL")
    HELP_SITE_DIR = str(BASE_DIR / "site")

    # PDFs (board pack, meeting pack, quarterly report) are drawn in a child process forked from
    # the worker: it may grow by at most this many MB of address space beyond the worker it was
    # forked from, and may take at most this many seconds; past either it is stopped and the
    # person is told the document is too large to draw (a 503). 0 turns a bound off.
    PDF_MEMORY_MB = int(_env("TRACKER_PDF_MEMORY_MB", "1024") or 0)
    PDF_SECONDS = int(_env("TRACKER_PDF_SECONDS", "300") or 0)
    # Drawn PDFs kept on disk by their document's digest, shared by every worker, host (on a
    # shared folder) and the scheduler, which draws the JSIG board pack ahead of time: the
    # folder (default: the instance folder's `pdf-cache`; empty turns it off) and how many.
    PDF_CACHE_DIR = _env("TRACKER_PDF_CACHE_DIR", str(BASE_DIR / "instance" / "pdf-cache"))
    PDF_CACHE_FILES = int(_env("TRACKER_PDF_CACHE_FILES", "40") or 40)

    # Security
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("TRACKER_SECURE_COOKIES", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = 8 * 60 * 60
    # A signed-in session left alone this long ends (OWASP ASVS 3.3.2, level 2: 30 minutes).
    SESSION_IDLE_MINUTES = int(_env("TRACKER_SESSION_IDLE_MINUTES", "30") or 30)
    # However active, a session ends this long after its sign-in (OWASP ASVS 3.3.2).
    SESSION_ABSOLUTE_HOURS = int(_env("TRACKER_SESSION_ABSOLUTE_HOURS", "10") or 10)
    # Reverse proxies in front (TLS terminators, load balancers) whose X-Forwarded-For and
    # X-Forwarded-Proto are trusted: without this, every visitor has the proxy's address and
    # the sign-in limits would count them all as one.
    TRUSTED_PROXIES = int(_env("TRACKER_TRUSTED_PROXIES", "0") or 0)
    # Logs: one JSON object a line on standard error ("json"), or plain text ("text").
    LOG_FORMAT = _env("TRACKER_LOG_FORMAT", "json")
    # Admin changes (people, roles, tokens) ask for the password again after this long.
    REAUTH_MINUTES = int(_env("TRACKER_REAUTH_MINUTES", "15") or 15)
    # Strict-Transport-Security on HTTPS responses (behind a proxy: X-Forwarded-Proto https).
    HSTS = _bool("TRACKER_HSTS", True)
    FORCE_HTTPS = _bool("TRACKER_FORCE_HTTPS", False)
    WTF_CSRF_TIME_LIMIT = 8 * 60 * 60
    # Memory-hard on purpose: OWASP's Password Storage Cheat Sheet lists scrypt settings of equal
    # strength from N=2^17, r=8, p=1 (128 MiB a check) to N=2^13, r=8, p=10 (8 MiB). We take the
    # last: a gunicorn worker runs four threads, so four sign-ins at once cost 32 MiB, not 512 MiB,
    # and the worker stays under its 150 MB budget. Hashes keep their own parameters, so older
    # ones (Werkzeug's default "scrypt", N=2^15, r=8, p=1) still verify.
    PASSWORD_HASH_METHOD = _env("TRACKER_PASSWORD_HASH_METHOD", "scrypt:8192:8:10")
    RATELIMIT_STORAGE_URI = _env("TRACKER_RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    SIGN_IN_RATE_LIMIT = _env("TRACKER_SIGN_IN_RATE_LIMIT", "5 per minute")
    # Refused sign-ins from one address, whatever the emails (password spraying).
    SIGN_IN_ADDRESS_LIMIT = _env("TRACKER_SIGN_IN_ADDRESS_LIMIT", "20 per 10 minutes")
    # Refused sign-ins for one account, from any address: it is then slowed for 15 minutes at most.
    SIGN_IN_ACCOUNT_LIMIT = _env("TRACKER_SIGN_IN_ACCOUNT_LIMIT", "10 per 15 minutes")
    # Refused sign-ins across the whole service (spraying from many addresses). A browser that
    # signed in to the account before is never held by this or the two limits above.
    SIGN_IN_GLOBAL_LIMIT = _env("TRACKER_SIGN_IN_GLOBAL_LIMIT", "200 per 10 minutes")
    # Calendar feeds are fetched with a secret link and no session: a calendar fetches one every
    # hour or so, so more than this from one address is someone guessing links.
    CALENDAR_FEED_RATE_LIMIT = _env("TRACKER_CALENDAR_FEED_RATE_LIMIT", "30 per minute")
    # Limits are counted in a store: memory:// is per worker; production behind several
    # workers or hosts uses Redis (redis://host:6379/0) so the limits hold across them all.

    # The illustrative seed `flask tracker seed` loads: a folder holding its reference.yaml,
    # relative to the project or absolute. `seed` is the first demo (Doncaster, 2016);
    # `seed/second` the second (a council with service areas and three inspection events).
    SEED_DIR = str(BASE_DIR / (_env("TRACKER_SEED_DIR", "seed") or "seed"))
    # Fortnightly update cycles: the day the first opens, and when returns are due (London).
    # Unset, a new tracker's first cycle opens on the Monday of the week `tracker init` runs
    # (London), kept in the database by init, until the administrator sets the rhythm under
    # Set-up (a database set up otherwise: the week the app starts, kept once a cycle is made).
    CYCLE_START = _env("TRACKER_CYCLE_START")
    RETURN_DUE_TIME = _env("TRACKER_RETURN_DUE_TIME", "12:00")
    # Monthly locality SEFs fall due on this working day of each month.
    SEF_DUE_WORKING_DAY = int(_env("TRACKER_SEF_DUE_WORKING_DAY", "5") or 5)
    # Unset: the month the first update cycle opens in (the administrator sets it under Set-up).
    SEF_FIRST_MONTH = _env("TRACKER_SEF_FIRST_MONTH")
    # Contract measures: a percentage on fewer cases than this carries a small-cohort warning.
    MEASURE_SMALL_COHORT = int(_env("TRACKER_MEASURE_SMALL_COHORT", "10") or 10)
    # The first financial-year quarter the measures scorecard offers (unset: the quarter the first
    # update cycle opens in).
    MEASURES_FIRST_QUARTER = _env("TRACKER_MEASURES_FIRST_QUARTER")
    # Chasing: working days before a deadline to remind, and late days before escalating.
    CHASE_REMIND_DAYS_BEFORE = int(_env("TRACKER_CHASE_REMIND_DAYS_BEFORE", "2") or 2)
    CHASE_ESCALATE_MANAGER_AFTER = int(_env("TRACKER_CHASE_ESCALATE_MANAGER_AFTER", "2") or 2)
    CHASE_ESCALATE_CHAIR_AFTER = int(_env("TRACKER_CHASE_ESCALATE_CHAIR_AFTER", "4") or 4)
    CHASE_TARGET_NOTICE_DAYS = int(_env("TRACKER_CHASE_TARGET_NOTICE_DAYS", "10") or 10)
    # Each kind of meeting's usual day, the first default of the meetings set-up page: "none", or
    # the week of the month (1 to 4, or "last"), the weekday, the London start and the minutes.
    MEETING_DAYS = {
        "getting_to_good": _env("TRACKER_MEETING_DAY_BOARD", "4 thursday 14:00 120"),
        "jsig": _env("TRACKER_MEETING_DAY_GROUP", "3 thursday 10:00 120"),
        "cib": _env("TRACKER_MEETING_DAY_CIB", "none"),
    }
    # The scheduler's daily run, London wall-clock time, working days only.
    SCHEDULER_HOUR = int(_env("TRACKER_SCHEDULER_HOUR", "9") or 9)
    SCHEDULER_MINUTE = int(_env("TRACKER_SCHEDULER_MINUTE", "0") or 0)
    # Who receives the last escalation (the chair of the board): the first default of the
    # chasing set-up (/admin/setup/chasing). Unset, no one is escalated to until it is set.
    GETTING_TO_GOOD_CHAIR = _env("TRACKER_GETTING_TO_GOOD_CHAIR")
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024
    # The largest plan file an import reads (the import page lets uploads this big through).
    IMPORT_MAX_BYTES = int(float(_env("TRACKER_IMPORT_MAX_MB", "10") or 10) * 1024 * 1024)
    # What an import reads before it stops with a message: rows holding a value in a sheet,
    # cells in the file (filled or only formatted), and a workbook's size unzipped. A declared
    # sheet size is never trusted. 500,000 cells (22 columns of 20,000 rows) read in about
    # 3.5 s here; most of the time is the XML parser's.
    IMPORT_MAX_ROWS = int(_env("TRACKER_IMPORT_MAX_ROWS", "20000") or 20000)
    IMPORT_MAX_CELLS = int(_env("TRACKER_IMPORT_MAX_CELLS", "500000") or 500000)
    IMPORT_MAX_UNZIPPED_BYTES = int(
        float(_env("TRACKER_IMPORT_MAX_UNZIPPED_MB", "200") or 200) * 1024 * 1024
    )
    # An import applying this many changes or more runs in the background with a progress bar
    # (about 300 changes a second were measured: smaller imports finish inside a second).
    IMPORT_BACKGROUND_CHANGES = int(_env("TRACKER_IMPORT_BACKGROUND_CHANGES", "300") or 300)
    # Evidence files: kept outside the database under their SHA-256 in this folder (unset: the
    # instance folder's `evidence`), up to this size, and scanned by ClamAV's daemon when its
    # unix socket is given (an upload is refused while it is configured but cannot be reached).
    EVIDENCE_DIR = _env("TRACKER_EVIDENCE_DIR")
    EVIDENCE_MAX_BYTES = int(float(_env("TRACKER_EVIDENCE_MAX_MB", "20") or 20) * 1024 * 1024)
    CLAMD_SOCKET = _env("TRACKER_CLAMD_SOCKET")

    # Responses are gzipped when the client accepts it (Flask-Compress): pages, JSON and problems.
    # Only gzip: every browser and client sends it, and one algorithm is easy to reason about.
    # Streamed responses are left alone: the CSV export gzips itself, flushing each batch of rows
    # as it goes (Flask-Compress's streaming gzip holds output back until zlib's buffers fill),
    # and files sent from disk keep their own ETags and 304s, cached by the browser (and
    # Flask-Compress's streaming of them leaves the file open when a 304 drops the body).
    COMPRESS_ALGORITHM = ["gzip"]
    COMPRESS_STREAMS = False
    COMPRESS_MIMETYPES = [
        "text/html",
        "text/plain",
        "application/json",
        "application/problem+json",
        "text/calendar",  # a person's calendar feed, fetched every hour or so
    ]
    COMPRESS_LEVEL = 6
    COMPRESS_MIN_SIZE = 500


def seed_demo_today(seed_dir: str) -> str | None:
    """The demo's "today" a seed gives, inside its story (`demo_today` in its reference.yaml),
    or None for a folder without one."""
    path = Path(seed_dir) / "reference.yaml"
    if not path.is_file():
        return None
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # a safe loader, C when there is one
    ref = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}  # nosec B506
    return str(ref["demo_today"]) if ref.get("demo_today") else None


class DemoConfig(Config):
    """`make run`: SQLite, demo accounts, a fixed day inside the story, plain http."""

    DEMO_MODE = True
    # The seed's own day inside its story (read once, at import), unless TRACKER_TODAY names
    # another; the first demo's is 5 February 2016.
    TODAY = _env("TRACKER_TODAY", seed_demo_today(Config.SEED_DIR) or "2016-02-05")
    SESSION_COOKIE_SECURE = _bool("TRACKER_SECURE_COOKIES", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    HSTS = _bool("TRACKER_HSTS", False)  # plain http on 127.0.0.1
    LOG_FORMAT = _env("TRACKER_LOG_FORMAT", "text")
    # The first demo's story (Doncaster, 2016): its cycles from Monday 4 January 2016, SEFs from
    # February and measures from April 2015. A seed's own `setup:` block (the second demo's)
    # saves its rhythm over these.
    CYCLE_START = _env("TRACKER_CYCLE_START", "2016-01-04")
    SEF_FIRST_MONTH = _env("TRACKER_SEF_FIRST_MONTH", "2016-02")
    MEASURES_FIRST_QUARTER = _env("TRACKER_MEASURES_FIRST_QUARTER", "2015-Q1")
    # The first demo's chief executive chairs its board.
    GETTING_TO_GOOD_CHAIR = _env("TRACKER_GETTING_TO_GOOD_CHAIR", "chief.executive@trust.example")


class TestConfig(Config):
    """The test suite: a throwaway database and cheap password hashes."""

    TESTING = True
    DEMO_MODE = True
    TODAY = "2016-02-05"
    # The tests live in the first demo's story: its dates, whatever the environment says.
    CYCLE_START = "2016-01-04"
    SEF_FIRST_MONTH = "2016-02"
    MEASURES_FIRST_QUARTER = "2015-Q1"
    GETTING_TO_GOOD_CHAIR = _env("TRACKER_GETTING_TO_GOOD_CHAIR", "chief.executive@trust.example")
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    HSTS = False
    SQLALCHEMY_DATABASE_URI = _env("TRACKER_TEST_DATABASE_URL", "sqlite://")
    # Evidence files go to a temporary folder (made on the first upload), never the instance
    # folder; content-addressed, so runs side by side share it safely.
    EVIDENCE_DIR = str(Path(tempfile.gettempdir()) / "tracker-test-evidence")
    # No PDF is kept between tests (a test of the cache gives its own folder).
    PDF_CACHE_DIR = ""
    # No built guides (`make test` builds site/ beside the suites): the help tests build their own.
    HELP_SITE_DIR = ""


def suite_database_url() -> str | None:
    """The database the test suite runs against (unset: a temporary SQLite file)."""
    return _env("TRACKER_TEST_DATABASE_URL")


def config_for(name: str | None = None) -> type[Config]:
    """Pick a configuration class by name (TRACKER_CONFIG): production, demo or test."""
    name = (
        name or _env("TRACKER_CONFIG") or ("demo" if _bool("TRACKER_DEMO", False) else "production")
    )
    return {"production": Config, "demo": DemoConfig, "test": TestConfig}[name]


def parse_today(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
