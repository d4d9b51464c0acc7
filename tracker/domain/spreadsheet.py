"""Cells bound for a spreadsheet: text that a spreadsheet would run as a formula is made inert."""

from __future__ import annotations

# What Excel, LibreOffice and Google Sheets read as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: str) -> str:
    """Prefix a single quote to text that begins like a formula, so a spreadsheet shows it as
    typed instead of running it (OWASP's advice on CSV injection).

    Every text cell is judged by its first character alone, with no exception for numbers: a
    summary reading "-5 referrals" or a cell holding "-5" is exported as "'-5", because a value
    that looks like a number is exactly what "-2+3+cmd|' /C calc'!A0" pretends to be. OWASP says
    neutralise all. The export writes its own numbers (the version) as numbers, never through
    here, so they stay numbers."""
    if value and value[0] in FORMULA_STARTS:
        return "'" + value
    return value
