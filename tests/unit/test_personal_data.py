"""The personal-data guard: child-level data in free text is held back with a clear warning."""

import pytest

from tracker.domain.personal_data import (
    PersonalDataWarning,
    find_personal_data,
    nhs_check_digit_ok,
    personal_data_message,
)

DOB = "date_of_birth"
NHS = "nhs_number"
CHILD = "named_child_age"
CASE = "case_number"


@pytest.mark.parametrize(
    ("text", "kind", "excerpt"),
    [
        # dates of birth: a date beside a cue, either order
        ("Seen with mum. DOB 03/04/2009.", DOB, "DOB 03/04/2009"),
        ("D.O.B. 3 April 2009", DOB, "D.O.B. 3 April 2009"),
        ("date of birth: 2009-04-03", DOB, "date of birth: 2009-04-03"),
        ("Her date of birth is 03-04-09", DOB, "date of birth is 03-04-09"),
        ("Missing since Friday, 03/04/2009 (DOB)", DOB, "03/04/2009 (DOB)"),
        ("She was born on 3rd April 2009", DOB, "born on 3rd April 2009"),
        ("Tom was born 03.04.2009", DOB, "born 03.04.2009"),
        ("Sibling (b. 03/04/2009) also open", DOB, "b. 03/04/2009"),
        ("born in March 2009", DOB, "born in March 2009"),
        # NHS numbers: a valid check digit, or any ten digits after "NHS"
        ("Referred to CAMHS, 943 476 5919", NHS, "943 476 5919"),
        ("9434765919 seen by the LAC nurse", NHS, "9434765919"),
        ("Health assessment for 943-476-5919 booked", NHS, "943-476-5919"),
        ("NHS no: 123 456 7890", NHS, "NHS no: 123 456 7890"),
        ("NHS number 1234567890 on the form", NHS, "NHS number 1234567890"),
        # a named or identified child with an age
        ("Visited child X aged 7 at home", CHILD, "child X aged 7"),
        ("Child A (aged 14) missing twice", CHILD, "Child A (aged 14)"),
        ("young person B, 15, has a return interview", CHILD, "young person B, 15"),
        ("young person B, 15 was missing", CHILD, "young person B, 15"),
        ("YP C aged 12 placed out of area", CHILD, "YP C aged 12"),
        ("baby D aged 3 months on a CP plan", CHILD, "baby D aged 3 months"),
        ("a 9 year old boy called Tom", CHILD, "9 year old boy called Tom"),
        ("girl aged 13 named Amy", CHILD, "girl aged 13 named Amy"),
        ("Placed with Jack (7) in a new home", CHILD, "Jack (7)"),
        ("Tom, aged 9, went missing", CHILD, "Tom, aged 9"),
        ("Amy is 13 years old and settled", CHILD, "Amy is 13 years old"),
        ("9-year-old Tom moved school", CHILD, "9-year-old Tom"),
        ("Child 1 aged 7 and her brother", CHILD, "Child 1 aged 7"),
        ("a 15-year-old girl A went missing", CHILD, "15-year-old girl A"),
        ("Tom, 15, went missing", CHILD, "Tom, 15"),
        # case numbers and system ids
        ("Discussed case no. 12345 at panel", CASE, "case no. 12345"),
        ("Case ref: AB/1234", CASE, "Case ref: AB/1234"),
        ("case number DN12345 closed", CASE, "case number DN12345"),
        ("see LCS 123456", CASE, "LCS 123456"),
        ("Mosaic ID 12345 updated", CASE, "Mosaic ID 12345"),
        ("plan CP-2016-0042 reviewed", CASE, "CP-2016-0042"),
        ("CIN/12345 stepped down", CASE, "CIN/12345"),
        ("child ID 12345", CASE, "child ID 12345"),
        ("person ID 123456 audited", CASE, "person ID 123456"),
        ("ref: 1234567", CASE, "ref: 1234567"),
        ("PEP for UPN A123456789012", CASE, "UPN A123456789012"),
        ("case 1234567 discussed at JSIG", CASE, "case 1234567"),
    ],
)
def test_text_that_looks_like_child_level_data_is_flagged(text, kind, excerpt):
    warnings = find_personal_data(text)
    assert [(w.kind, w.excerpt) for w in warnings] == [(kind, excerpt)]


@pytest.mark.parametrize(
    "text",
    [
        # deadlines, meetings and other dates with no birth cue
        (
            "Audit of 40 contacts in January: 92% decisions recorded with rationale; "
            "report to CIB 5 Feb"
        ),
        "Due 31/03/2016",
        "Target date 31/03/2016; revised to 30-06-16",
        "Performance Accountability Board 2016-03-09",
        "SEF submitted 05-02-16",
        "cycle 2 due 09/03/2016",
        "Version 2.1 (11/01/2016)",
        "LCS upgrade went live 14/03/2016",
        # Decision: "born" counts only right before a date ("born on 3 April 2009"). Here it is
        # a verb with a meeting date six words on, so it is not a birth.
        "born out of the Getting to Good meeting on 11/01/2016",
        "Born in Bradford cohort study informs R11",
        "Minutes b. on 3/4/2016 as agreed",
        # a DOB cue that is about recording, not a date of birth
        "DOB field completion on LCS rose to 98% by 31/03/2016",
        "Deadline 31/03/2016 (DOB recording audit)",
        # counts, cohorts and ranges of ages: plural, no identifier
        "38 review health assessments overdue",
        "children aged 10-17 at risk of CSE",
        "12 children aged under 5 were subject to CP plans",
        "Children aged 16 and 17 in B&B accommodation",
        "young people aged 16+",
        "Those aged 16 and over get a pathway plan",
        "Care leavers aged 19-21 in EET: 45%",
        "Pupils aged 11 in year 7",
        "16-17 year olds in B&B: 3",
        "a 15 year old girl went missing twice",
        "The child in need plan for 3 children aged 7",
        "Child protection conference held within 15 days",
        "Child sexual exploitation (CSE) cases: 14",
        "Baby steps: 3 of 5 milestones met",
        "CP plans lasting 2 years or more: 14",
        "Within 3 months, audits will be moderated",
        "Overall, 12 of 40 audits were good",
        "Similarly, 8 had a plan",
        # counts in brackets after a body, a place or a status
        "Heads of Service (4) submit returns fortnightly",
        "Localities: North (4), South (3), East (5), Central (2)",
        "Getting to Good (3) meetings held",
        "Joint Strategic Inspection Group (4)",
        "South Yorkshire Police (3) strategy discussions",
        "Seen in Barnsley (3)",
        "Red (2), Amber (5), Green (12), Blue (4)",
        "Closed (3), Overdue (4), Superseded (1)",
        "Trust (13), Council (1), Joint (6)",
        "Return interviews offered within 72 hours: 85% (34/40)",
        # action refs, cycles, money, percentages, years
        "MAP-014 depends on MAP-012",
        "N-12 closed with evidence",
        "R14: 23 foster carers recruited (target 30)",
        "Cycle 3 returns from all four localities",
        "Re-referrals 23.4% (Q3 2015/16)",
        "£45,000 agreed for 6 posts",
        "Children's Services budget of £12,000",
        "1,234 contacts in Q3; 456 referrals",
        "CIN census 2015/16 submitted",
        "LAC 2014-2016 cohort",
        # case words that are about caseloads, not a case
        "Case numbers per worker fell from 22 to 18",
        "Case file audit sample of 40 cases (case no. 1 to 40)",
        # Decision: an Ofsted URN names a provider (a children's home) and is published, so it is
        # not child-level data.
        "Ofsted ref SC123456",
        "Invoice ref 1234567 paid",
        "Staff ID 12345 on the rota",
        # phone numbers: a leading 0 or the wrong length is not an NHS number
        "Call the front door on 01302 737777",
        "Out of hours 0800 123 4567",
        "+44 1302 736000",
        "Mobile 07700 900123",
        "Budget line 1234567890",  # ten digits, but the NHS check digit fails
        "Anonymised as Child A in the case file audit",
        "",
    ],
)
def test_ordinary_action_plan_text_is_not_flagged(text):
    assert find_personal_data(text) == []
    assert personal_data_message(text) is None


def test_born_right_before_a_date_is_read_as_a_birth_even_for_a_project():
    # Deliberate: a warning the person clears by rewording is cheaper than a birth date saved.
    [warning] = find_personal_data("The idea was born on 11/01/2016 at Getting to Good")
    assert warning.kind == DOB


@pytest.mark.parametrize(
    ("digits", "ok"),
    [
        ("9434765919", True),
        ("4010232137", True),
        ("9434765918", False),  # wrong check digit
        ("1234567890", False),
        ("123456789", False),  # nine digits
        ("94347659xx", False),
    ],
)
def test_nhs_numbers_are_checked_with_modulus_11(digits, ok):
    assert nhs_check_digit_ok(digits) is ok


def test_a_warning_says_what_it_looks_like_quotes_it_and_says_why_to_remove_it():
    [warning] = find_personal_data("Update: DOB 03/04/2009 recorded")
    assert warning == PersonalDataWarning(
        kind=DOB,
        excerpt="DOB 03/04/2009",
        message=(
            "This looks like a date of birth (“DOB 03/04/2009”). "
            "Remove it: the tracker must never hold child-level data."
        ),
    )
    assert personal_data_message("Update: DOB 03/04/2009 recorded") == warning.message


def test_several_hits_become_one_message_naming_each_in_order_of_kind():
    text = "LCS 123456 and LCS 234567: Child A (aged 14), DOB 03/04/2009, NHS 943 476 5919"
    assert [w.kind for w in find_personal_data(text)] == [CASE, CASE, CHILD, DOB, NHS]
    assert personal_data_message(text) == (
        "This looks like a date of birth (“DOB 03/04/2009”), an NHS number (“NHS 943 476 5919”), "
        "a named or identifiable child with their age (“Child A (aged 14)”) and "
        "case or system reference numbers (“LCS 123456”, “LCS 234567”). "
        "Remove them: the tracker must never hold child-level data."
    )


def test_a_long_list_of_hits_of_one_kind_is_shortened():
    text = " ".join(f"LCS {n}" for n in range(100001, 100006))
    message = personal_data_message(text)
    assert message is not None
    assert "(“LCS 100001”, “LCS 100002”, “LCS 100003” and 2 more)" in message


def test_overlapping_patterns_give_one_warning():
    # "child ID 12345" also reads as "ID 12345"; the person sees it once.
    assert [w.excerpt for w in find_personal_data("child ID 12345")] == ["child ID 12345"]


def test_a_long_excerpt_is_cut_short():
    [warning] = find_personal_data("case ref " + "A1" * 50)
    assert len(warning.excerpt) == 60
    assert warning.excerpt.endswith("…")
