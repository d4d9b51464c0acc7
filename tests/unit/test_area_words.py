"""An organisation's word for its areas (issue 20), as pages put it: saved as it starts a
sentence, lowered mid-sentence unless it starts with an acronym, with "a" or "an" before it; an
area's head named with it."""

from __future__ import annotations

import pytest

from tracker.domain.permissions import Role
from tracker.domain.setup import Words, check_words, mid_sentence, role_label, word_problems


@pytest.mark.parametrize(
    ("word", "mid"),
    [
        ("Locality", "locality"),
        ("Service area", "service area"),
        ("Areas", "areas"),
        ("SEND team", "SEND team"),  # an acronym stays as written
        ("CIN teams", "CIN teams"),
        ("X", "x"),
        ("team", "team"),  # already lower case
    ],
)
def test_a_word_reads_mid_sentence_in_lower_case_unless_it_starts_with_an_acronym(word, mid):
    assert mid_sentence(word) == mid


@pytest.mark.parametrize(
    ("area", "with_article"),
    [
        ("Locality", "a locality"),
        ("Area", "an area"),
        ("Service area", "a service area"),
        ("Early help hub", "an early help hub"),
        ("SEND team", "a SEND team"),
    ],
)
def test_one_area_takes_a_or_an(area, with_article):
    assert Words(area=area).an_area == with_article


@pytest.mark.parametrize(
    ("words", "label"),
    [
        (Words(), "Area head of service"),
        (Words(area="Locality"), "Locality head of service"),
        (Words(area="Service area"), "Service area head of service"),
    ],
)
def test_an_areas_head_is_named_with_the_organisations_word(words, label):
    assert role_label(Role.LOCALITY_HEAD, words) == label
    assert role_label("locality_head", words) == label
    assert role_label(Role.CHAIR, words) == "Chair or senior leader"


def test_the_area_words_are_required_short_and_tidied_like_the_others():
    given = {**Words().as_dict(), "area": "  Service   area ", "areas": ""}
    assert set(word_problems(given)) == {"areas"}
    saved = check_words({**given, "areas": "Service areas"})
    assert (saved.area, saved.areas, saved.areas_lower) == (
        "Service area",
        "Service areas",
        "service areas",
    )
    assert set(word_problems({**given, "areas": "x" * 81})) == {"areas"}
