"""Cells bound for a spreadsheet: text that a spreadsheet would run as a formula is made inert."""

from __future__ import annotations

from tracker.domain.states import Impact, Lifecycle

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


def legend_rows(
    *, position: str, filters: dict[str, str], count: int, exported: str
) -> list[tuple[str, str, str | None]]:
    """The key a spreadsheet export carries: (term, meaning, style) rows saying what the file is
    (as at when, with which filters) and every word and colour it uses. The style is "heading",
    a colour (red, amber, green, blue, pink) or None. Blue means closed with evidence only."""
    chosen = ", ".join(f"{k}={v}" for k, v in sorted(filters.items())) or "none: every action"
    rows: list[tuple[str, str, str | None]] = [
        ("About this file", "", "heading"),
        ("Position", f"The action plan {position}.", None),
        ("Filters", chosen, None),
        ("Actions", str(count), None),
        ("Exported", exported, None),
        ("", "", None),
        ("RAG", "Delivery confidence only; lifecycle and impact are kept apart.", "heading"),
        ("Red", "Significant risk: the action will miss its target date without help", "red"),
        ("Amber", "Slipping but recoverable", "amber"),
        ("Green", "On track", "green"),
        ("(blank)", "A closed or superseded action has no RAG.", None),
        ("", "", None),
        ("Lifecycle", "Where the action is in its life.", "heading"),
    ]
    for state in Lifecycle:
        if state is Lifecycle.CLOSED_EVIDENCED:
            rows.append((state.label, "Shown in blue: blue means this and nothing else", "blue"))
        else:
            rows.append((state.label, "", None))
    rows += [
        ("", "", None),
        ("Impact", "What difference the action has been shown to make.", "heading"),
        *[(i.label, "", None) for i in Impact],
        ("", "", None),
        (
            "Overdue",
            "Yes when the target date has passed and the work is not started or in progress "
            "(complete and awaiting sign-off is waiting, not late; worked out, never typed in).",
            "pink",
        ),
        (
            "Target date",
            "The approved target date: it moves only when a chair approves a request.",
            None,
        ),
        ("Baseline target date", "The target date first agreed, when it has been moved.", None),
        (
            "Days overdue",
            "Calendar days since the target date, for an overdue action; 0 otherwise.",
            None,
        ),
        (
            "History",
            "Every change: each update (with its update cycle), each edit to the plan "
            "entry and each target date a chair moved, oldest first.",
            None,
        ),
        (
            "Text beginning with '",
            "Text that began with =, +, -, @, a tab or a carriage return is shown with a single "
            "quote in front, so that no spreadsheet runs it as a formula.",
            None,
        ),
    ]
    return rows
