"""Evidence in the services: the export's evidence columns (and the import leaving them alone),
the meeting snapshot's evidence, withdrawing, and the content rules. Both databases."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests.builders import actor_for, add_evidence, make_action, make_cycles, make_user
from tests.evidence_support import DOC, GIF, JPEG, LINUX_PROGRAM, PDF, PNG, WINDOWS_PROGRAM
from tests.evidence_support import docx as make_docx
from tests.evidence_support import xlsx as make_xlsx
from tests.services.test_imports import _every_table
from tracker.domain import evidence as rules
from tracker.extensions import db
from tracker.models import Evidence
from tracker.services.errors import NotFound
from tracker.services.exchange import exports, imports
from tracker.services.plan import evidence as evidence_service
from tracker.services.plan.filters import parse_filters

NOW = datetime(2016, 2, 5, 10, 30, tzinfo=UTC)
TODAY = date(2016, 2, 5)


def _export(as_at: datetime | None = None) -> list[dict[str, str]]:
    e = exports.start_plan_export(
        today=TODAY, filters=parse_filters({}), as_at=as_at, asked={}, user_id=None, now=NOW
    )
    text = b"".join(e.chunks).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture
def plan(clean_db):
    make_cycles(upto=4)
    lead = make_user(role="action_lead")
    first = make_action(ref="MAP-001", lead=lead)
    second = make_action(ref="MAP-002", lead=lead)
    add_evidence(first, title="January audit", by=lead, added_at=datetime(2016, 1, 20, tzinfo=UTC))
    add_evidence(first, title="Board minutes", by=lead, added_at=datetime(2016, 1, 28, tzinfo=UTC))
    add_evidence(first, title="Old policy", by=lead, withdrawn=True)
    db.session.commit()
    return {"lead": lead, "first": first, "second": second}


def test_the_export_counts_and_names_each_actions_evidence_not_withdrawn(plan):
    rows = {r["Ref"]: r for r in _export()}

    assert (rows["MAP-001"]["Evidence items"], rows["MAP-001"]["Evidence titles"]) == (
        "2",
        "Board minutes; January audit",
    )
    assert (rows["MAP-002"]["Evidence items"], rows["MAP-002"]["Evidence titles"]) == ("0", "")
    # As at a past day: the evidence the action had then.
    then = {r["Ref"]: r for r in _export(as_at=datetime(2016, 1, 25, tzinfo=UTC))}
    assert then["MAP-001"]["Evidence titles"] == "January audit"


def test_an_export_with_evidence_imported_again_changes_nothing(plan):
    e = exports.start_plan_export(
        today=TODAY, filters=parse_filters({}), as_at=None, asked={}, user_id=None, now=NOW
    )
    data = b"".join(e.chunks)
    before = _every_table()

    result = imports.run_import(
        "plan.csv", data, dry_run=False, actor=None, now=NOW, max_bytes=10 * 1024 * 1024
    )

    assert result.ok, result.problems
    assert result.plan.changes == 0
    assert _every_table() == before


def test_withdrawing_keeps_the_item_with_who_when_and_why(plan):
    lead = plan["lead"]
    item = db.session.execute(
        select(Evidence).where(Evidence.title == "January audit")
    ).scalar_one()

    evidence_service.withdraw(item.id, "Superseded", actor=actor_for(lead), now=NOW)

    items = evidence_service.list_for_action(plan["first"].id)
    assert [(i.title, i.withdrawn) for i in items] == [  # newest first
        ("Board minutes", False),
        ("January audit", True),
        ("Old policy", True),
    ]
    withdrawn = next(i for i in items if i.title == "January audit")
    assert (withdrawn.withdrawn_by, withdrawn.withdrawn_reason) == (lead.name, "Superseded")
    assert evidence_service.count_live(plan["first"].id) == 1
    with pytest.raises(evidence_service.EvidenceRejected):
        evidence_service.withdraw(item.id, "Again", actor=actor_for(lead), now=NOW)
    with pytest.raises(NotFound):
        evidence_service.withdraw(999_999, "Nothing", actor=actor_for(lead), now=NOW)


def test_people_who_may_not_update_the_action_may_not_withdraw(plan):
    viewer = make_user(role="viewer")
    item_id = db.session.execute(select(Evidence.id).limit(1)).scalar_one()
    with pytest.raises(evidence_service.Forbidden):
        evidence_service.withdraw(item_id, "Mine now", actor=actor_for(viewer), now=NOW)


# --- the content rules (no database) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("a.pdf", PDF, "PDF"),
        ("a.PDF", PDF, "PDF"),
        ("a.png", PNG, "PNG image"),
        ("a.jpg", JPEG, "JPEG image"),
        ("a.jpeg", JPEG, "JPEG image"),
        ("a.gif", GIF, "GIF image"),
        ("a.doc", DOC, "Word document"),
        ("a.docx", None, "Word document"),
        ("a.xlsx", None, "Excel workbook"),
    ],
)
def test_allowed_files_are_known_by_their_content(name, content, kind):
    if content is None:
        content = make_docx() if name.endswith("docx") else make_xlsx()
    assert rules.check_file(name, content, max_bytes=1024 * 1024).name == kind


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("a.pdf", b"", "is empty"),
        ("a.pdf", PDF + b"0" * 65536, "smaller than 64 KB"),
        ("a.pdf", WINDOWS_PROGRAM, "is a program"),
        ("a.exe", WINDOWS_PROGRAM, "is a program"),
        ("a.docx", LINUX_PROGRAM, "is a program"),
        ("a.pdf", PNG, "its content is a PNG image"),
        ("a.txt", b"hello", "must be a PDF"),
        ("a.svg", b"<svg/>", "must be a PDF"),
        ("a.pdf", b"hello", "content is none of these"),
        ("a.docx", b"PK\x03\x04not really a zip", "content is none of these"),
        ("a.xlsx", None, "its content is a Word document"),
    ],
)
def test_refused_files_say_why(name, content, said):
    content = make_docx() if content is None else content
    with pytest.raises(rules.FileRefused) as caught:
        rules.check_file(name, content, max_bytes=65536)
    assert said in str(caught.value)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://intranet.example/audit.pdf", True),
        ("HTTPS://intranet.example/a", True),
        ("http://intranet.example/a", False),
        ("javascript:alert(1)", False),
        ("https:///nohost", False),
        ("https://intra net.example", False),
        ("ftp://files.example/a", False),
        ("", False),
        ("https://x.example/" + "a" * 2001, False),
    ],
)
def test_only_https_links_with_a_host_are_taken(url, ok):
    assert (rules.check_link(url) == "") is ok


# --- the meeting snapshot and pack ---------------------------------------------------------------


def test_a_meetings_snapshot_lists_the_evidence_added_since_the_last_meeting(plan, client):
    from tests.builders import make_meeting
    from tests.conftest import sign_in
    from tracker.models import Meeting

    chair = make_user(role="chair", email="chair@trust.example")
    db.session.commit()
    first = make_meeting(
        chair=chair, held_on=date(2016, 1, 29), now=datetime(2016, 1, 29, 12, tzinfo=UTC)
    )
    add_evidence(
        plan["second"],
        title="February minutes",
        by=plan["lead"],
        added_at=datetime(2016, 2, 3, 9, tzinfo=UTC),
    )
    db.session.commit()
    second = make_meeting(chair=chair)  # 5 February

    snapshots = {m.id: m.snapshot for m in db.session.execute(select(Meeting)).scalars()}
    first_items = snapshots[first]["evidence"]["items"]
    assert snapshots[first]["evidence"]["since"] is None
    assert [(i["ref"], i["title"], i["withdrawn"]) for i in first_items] == [
        ("MAP-001", "Old policy", True),
        ("MAP-001", "January audit", False),
        ("MAP-001", "Board minutes", False),
    ]
    later = snapshots[second]["evidence"]
    assert later["since"] == "2016-01-29T12:00:00Z"
    assert [
        (i["ref"], i["title"], i["evidence_type_label"], i["added_by"]) for i in later["items"]
    ] == [("MAP-002", "February minutes", "Audit", plan["lead"].name)]

    sign_in(client, chair.email, "a-long-test-password")
    for url in (f"/meetings/{second}", f"/meetings/{second}/pack"):
        page = client.get(url).get_data(as_text=True)
        assert "Evidence added since the last meeting" in page and "February minutes" in page


def test_files_left_by_killed_or_failed_uploads_are_swept_and_named_ones_kept(clean_db, tmp_path):
    import hashlib
    import os
    from pathlib import Path

    from tracker.services.plan.evidence import ORPHAN_AGE_SECONDS, file_path, sweep_orphans

    def stored(data: bytes, age: int) -> Path:
        digest = hashlib.sha256(data).hexdigest()
        path = file_path(tmp_path, digest)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        when = NOW.timestamp() - age
        os.utime(path, (when, when))
        return path

    old = ORPHAN_AGE_SECONDS + 60
    kept = stored(b"%PDF-1.4 named by a row", old)
    orphan = stored(b"%PDF-1.4 its row never committed", old)
    young = stored(b"%PDF-1.4 an upload still finishing", 5)
    partial = kept.parent / ".incoming-abc123"
    partial.write_bytes(b"%PDF-1.4 half")
    os.utime(partial, (NOW.timestamp() - old, NOW.timestamp() - old))
    lead = make_user(role="action_lead")
    action = make_action(ref="MAP-001", lead=lead)
    db.session.add(
        Evidence(
            kind="file",
            sha256=kept.name,
            filename="minutes.pdf",
            content_type="application/pdf",
            size_bytes=10,
            action_id=action.id,
            title="Minutes (illustrative)",
            evidence_type="audit",
            evidence_date=date(2016, 2, 1),
            added_by_id=lead.id,
            added_at=NOW,
        )
    )
    db.session.commit()

    removed = sweep_orphans(tmp_path, now=NOW)
    assert sorted(removed) == sorted(
        [f"{orphan.parent.name}/{orphan.name}", f"{partial.parent.name}/{partial.name}"]
    )
    assert kept.is_file() and young.is_file()
    assert not orphan.exists() and not partial.exists()
    assert sweep_orphans(tmp_path, now=NOW) == []  # nothing more the second time
