"""Workbooks crafted the way a hostile or careless file is: a declared size (<dimension>) that
lies, a value at a far row, formatted but empty cells, a part that unzips to far more than the
file. Built by rewriting the sheet XML of a small workbook openpyxl saved."""

from __future__ import annotations

import io
import re
import tracemalloc
import zipfile
from collections.abc import Callable
from time import perf_counter

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"


def workbook(rows: list[list[object]], title: str = "Main plan") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite_sheet(data: bytes, change: Callable[[str], str]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == SHEET:
                body = change(body.decode("utf-8")).encode("utf-8")
            archive.writestr(info.filename, body)
    return out.getvalue()


def declaring(data: bytes, dimension: str) -> bytes:
    """The sheet claims to span `dimension` (e.g. A1:XFD1048576), whatever it holds."""
    return rewrite_sheet(
        data,
        lambda xml: re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>', xml),
    )


def appending(data: bytes, rows_xml: str) -> bytes:
    """`rows_xml` (<row> elements) added at the end of the sheet's data."""
    return rewrite_sheet(data, lambda xml: xml.replace("</sheetData>", rows_xml + "</sheetData>"))


def text_at(cell: str, text: str = "x") -> str:
    row = re.sub(r"[A-Z]+", "", cell)
    return f'<row r="{row}"><c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c></row>'


def formatted_at(cell: str) -> str:
    row = re.sub(r"[A-Z]+", "", cell)
    return f'<row r="{row}"><c r="{cell}" s="0"/></row>'


def measured(work: Callable[[], object]) -> tuple[object, float, float]:
    """(what `work` returned, seconds, peak traced memory in MB)."""
    tracemalloc.start()
    started = perf_counter()
    try:
        result = work()
        return result, perf_counter() - started, tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
