import pytest

from tracker.domain.spreadsheet import neutralise_cell


@pytest.mark.parametrize(
    ("cell", "exported"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("-5", "'-5"),  # a negative number in text is neutralised too: OWASP says all
        ("-", "'-"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\tindented", "'\tindented"),
        ("\rreturn first", "'\rreturn first"),
        ("Referrals down 5%", "Referrals down 5%"),
        ("5", "5"),
        (" =not first", " =not first"),  # only the first character counts
        ("a=b", "a=b"),
        ("'already quoted", "'already quoted"),
        ("", ""),
        ("Ré-audit: Müller's team", "Ré-audit: Müller's team"),
    ],
)
def test_cells_that_start_like_a_formula_get_a_single_quote(cell, exported):
    assert neutralise_cell(cell) == exported


def _legend(filters: dict[str, str]) -> list[tuple[str, str, str | None]]:
    from tracker.domain.spreadsheet import legend_rows

    return legend_rows(
        position="as at the end of 2016-01-20 (from the history)",
        filters=filters,
        count=38,
        exported="2016-02-05 09:00 London time",
    )


@pytest.mark.parametrize(
    ("filters", "said"),
    [
        ({}, "none: every action"),
        ({"rag": "red", "plan": "north"}, "plan=north, rag=red"),
        ({"as_at": "2016-01-20", "history": "true"}, "as_at=2016-01-20, history=true"),
    ],
)
def test_the_legend_says_what_the_file_is_and_which_filters_chose_its_rows(filters, said):
    rows = {term: (meaning, style) for term, meaning, style in _legend(filters)}
    assert rows["Filters"] == (said, None)
    assert rows["Position"][0] == "The action plan as at the end of 2016-01-20 (from the history)."
    assert rows["Actions"][0] == "38"


def test_the_legend_spells_out_every_colour_and_blue_means_only_closed_with_evidence():
    rows = _legend({})
    coloured = {term: style for term, _meaning, style in rows if style not in (None, "heading")}
    assert coloured == {
        "Red": "red",
        "Amber": "amber",
        "Green": "green",
        "Closed with evidence": "blue",
        "Overdue": "pink",
    }
    terms = [term for term, _m, _s in rows]
    for word in ("Not started", "In progress", "Superseded", "Emerging", "Evidenced"):
        assert word in terms
