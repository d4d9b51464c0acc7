"""The Quarter 3 2015/16 report as the scrutiny panel reads it (issue 18): the page, the PDF
(through pdftotext) and the Word file each give the seed paper's headline for the key measures
(9 / 7 / 3 / 3) and Appendix A, every measure with its status and its value with a unit. The
Word file is A4 with page numbers, the PDF is tagged, and the returns and SEFs section keeps to
the quarter. Each file is built once for the module."""

from __future__ import annotations

import html as html_module
import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest

from tests.appendix_a import APPENDIX_A, APPENDIX_A_FIGURES, KEY_HEADLINE

TITLES = {
    "B12": "Percentage of Care Leavers in Employment, Education or Training",
    "C15": "Of the Permanent Staff that left, how many left within 2 years of starting",
}
OPERATIONAL = "Of the 38 operational measures, reported apart from the key measures:"
QUARTER_ONLY = (
    "No locality return fell due between 1 October 2015 and 31 December 2015.",
    "No monthly locality SEF fell due between 1 October 2015 and 31 December 2015.",
)


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def q3(seeded_app):
    from tests.conftest import ROLE_ACCOUNTS, sign_in

    client = seeded_app.test_client()
    sign_in(client, ROLE_ACCOUNTS["chair"])
    got = {
        "html": client.get("/measures/reports/quarterly/2015-Q3"),
        "pdf": client.get("/api/v1/reports/quarterly/2015-Q3.pdf"),
        "docx": client.get("/api/v1/reports/quarterly/2015-Q3.docx"),
    }
    assert {k: r.status_code for k, r in got.items()} == {"html": 200, "pdf": 200, "docx": 200}
    return {k: r.data for k, r in got.items()}


@pytest.fixture(scope="module")
def pdf_text(q3) -> str:
    return subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=q3["pdf"], capture_output=True, check=True
    ).stdout.decode()


def _appendix_a_rows(text: str) -> dict[str, str]:
    """Appendix A's text cut at each of its measure codes: code -> that row's words."""
    part = words(text).split("Appendix A:", 1)[1].split("Appendix B:", 1)[0]
    pattern = "|".join(re.escape(code) for code in APPENDIX_A)
    part = re.sub(r"Quarter 3 2015/16: page \d+ of \d+", " ", part)  # a page's footer
    # A table's caption and head (repeated on a new page).
    part = re.sub(
        r"(Measures relating to [a-z ]+ )?Measure Value Target \(tolerance\) Status", " ", part
    )
    pieces = re.split(rf"\b({pattern}) – ", part)
    return {code: row.strip() for code, row in zip(pieces[1::2], pieces[2::2], strict=True)}


def test_the_page_gives_the_papers_headline_and_appendix_a(q3):
    page = q3["html"].decode()
    text = words(html_module.unescape(re.sub(r"<[^>]+>", " ", page)))
    assert f"At the end of Quarter 3 2015/16 there were {KEY_HEADLINE}." in text
    assert "contains 22 key performance measures and a further 38 operational measures" in text
    assert OPERATIONAL in text
    counts = re.findall(r'<table[^>]*id="summary-counts">.*?</table>', page, re.S)[0]
    assert dict(re.findall(r'data-status="([A-Z ]+)">.*?data-count="(\d+)"', counts, re.S)) == {
        "ON TARGET": "9",
        "IN TOLERANCE": "7",
        "OFF TARGET": "3",
        "NO TARGET SET": "3",
    }
    appendix = page.split('id="appendix-a"', 1)[1].split('id="appendix-b"', 1)[0]
    rows = re.findall(
        r'id="appendix-([A-Za-z0-9]+)">.*?data-value="([^"]*)".*?data-status="([A-Z ]*)"',
        appendix,
        re.S,
    )
    assert {code: (html_module.unescape(v), s) for code, v, s in rows} == {
        code: (APPENDIX_A_FIGURES[code], APPENDIX_A[code]) for code in APPENDIX_A
    }
    for code, title in TITLES.items():
        assert f"{code} – {title}" in text
    outside = re.findall(r'<h3 class="govuk-heading-s" id="outside-([A-Za-z0-9]+)"', page)
    assert outside == ["A3", "D17a", "D17c"]
    assert "Quarter 3 rose to 87% from 81% in quarter 2, and December reached 97%" in text
    assert all(sentence in text for sentence in QUARTER_ONLY)
    assert "January 2016" not in page.split('id="returns-and-sefs"', 1)[1].split("<h2", 1)[0]
    assert (
        'role="region" aria-label="Appendix A, measures relating to finance" tabindex="0"' in page
    )


def test_the_pdf_is_tagged_a4_and_reads_like_the_page(q3, pdf_text):
    assert q3["pdf"].startswith(b"%PDF")
    info = subprocess.run(
        ["pdfinfo", "-"], input=q3["pdf"], capture_output=True, check=True
    ).stdout.decode()
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert "(A4)" in info
    text = words(pdf_text)
    assert f"At the end of Quarter 3 2015/16 there were {KEY_HEADLINE}." in text
    assert OPERATIONAL in text
    assert all(sentence in text for sentence in QUARTER_ONLY)
    for code, row in _appendix_a_rows(pdf_text).items():
        assert APPENDIX_A_FIGURES[code] in row and row.endswith(APPENDIX_A[code]), (code, row)
    assert set(_appendix_a_rows(pdf_text)) == set(APPENDIX_A)
    for code, title in TITLES.items():
        assert f"{code} – {title}" in text
    assert "Quarter 3 2015/16: page 1 of" in text


def test_the_word_file_is_a4_with_page_numbers_and_the_pdfs_sections(q3, pdf_text):
    from docx import Document

    doc = Document(io.BytesIO(q3["docx"]))
    body = [p.text for p in doc.paragraphs]
    text = words(" ".join(body))
    assert f"At the end of Quarter 3 2015/16 there were {KEY_HEADLINE}." in text
    assert OPERATIONAL in text
    assert all(sentence in text for sentence in QUARTER_ONLY)
    appendix = {
        row.cells[0].text.split(" – ")[0]: (row.cells[1].text, row.cells[3].text)
        for table in doc.tables
        for row in table.rows
        if len(row.cells) == 4 and " – " in row.cells[0].text
    }
    assert {code: appendix[code] for code in APPENDIX_A} == {
        code: (APPENDIX_A_FIGURES[code], APPENDIX_A[code]) for code in APPENDIX_A
    }
    cells = {c.text for t in doc.tables for r in t.rows for c in r.cells}
    for code, title in TITLES.items():
        assert f"{code} – {title}" in cells
    # The same headings, in the same order, as the PDF.
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == [
        "1. Executive summary",
        "Operational measures",
        "2. Measures outside tolerance",
    ]
    at = 0
    pdf_words = words(pdf_text)
    for heading in headings:
        found = pdf_words.find(heading, at)
        assert found >= 0, heading
        at = found
    # A4, in twentieths of a point, and "page X of Y" fields in the footer.
    with zipfile.ZipFile(io.BytesIO(q3["docx"])) as package:
        document = package.read("word/document.xml").decode()
        footers = " ".join(
            package.read(n).decode() for n in package.namelist() if n.startswith("word/footer")
        )
    assert re.search(r'<w:pgSz w:w="11906" w:h="16838"\s*/>', document)
    assert re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", footers)
    assert re.search(r"<w:instrText[^>]*> NUMPAGES </w:instrText>", footers)


def test_the_word_file_opens_in_libreoffice(q3):
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice Writer is needed: apt-get install libreoffice-writer-nogui"
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "report.docx"
        source.write_bytes(q3["docx"])
        subprocess.run(
            [
                soffice,
                "--headless",
                f"-env:UserInstallation=file://{folder}/profile",
                "--convert-to",
                "pdf",
                "--outdir",
                folder,
                str(source),
            ],
            capture_output=True,
            check=True,
            timeout=180,
        )
        pdf = Path(folder) / "report.pdf"
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True).stdout
        converted = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True)
    text = words(converted.stdout.decode())
    assert "Quarterly performance and progress against Ofsted" in text
    assert KEY_HEADLINE in text
    assert "(A4)" in info.decode()
    pages = int(re.search(r"^Pages:\s+(\d+)", info.decode(), re.M).group(1))
    assert f"Quarter 3 2015/16: page {pages} of {pages}" in text  # the fields, filled in
