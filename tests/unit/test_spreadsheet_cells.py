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
