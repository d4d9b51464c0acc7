"""Issues 20.5 and 20.2: nothing of the demo is hard-coded. The demos live in seed/ (Doncaster)
and seed/second (the second council); the code (tracker/, without its migrations, which are
history) and the templates read the plans, the areas and the organisations from the database.
The demos' names, refs and dates are read from the seed files here, so the search cannot go
stale when a demo changes. The organisation's own words for its board, its group and its
scrutiny body are settings (issue 20.2): the demos' are in their seeds' `setup:` blocks, and the
code and templates read them from the database."""

from __future__ import annotations

import csv
import io
import re
import tokenize
from functools import cache
from pathlib import Path

import pytest
import yaml

from tracker.domain.setup import Words

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seed"
SEEDS = (SEED, SEED / "second")
SEARCHED = (ROOT / "tracker", ROOT / "templates")
HISTORY = ROOT / "tracker" / "migrations"  # what the schema was: never rewritten


@cache
def reference(seed: Path) -> dict:
    return yaml.safe_load((seed / "reference.yaml").read_text(encoding="utf-8"))


def _csv(seed: Path, name: str) -> list[dict[str, str]]:
    if not (seed / name).exists():  # a seed's area plans are in one file or the other
        return []
    with (seed / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _events(ref: dict) -> list[dict]:
    """A seed's inspection events: a list of them, or the one inspection."""
    return ref.get("inspections") or [ref["inspection"] | {"findings": ref["recommendations"]}]


def _areas(ref: dict) -> list[dict]:
    return ref.get("areas") or ref.get("localities") or []


def demo_names() -> list[str]:
    """The councils, the organisations and the people of the demos, by name."""
    names = []
    for seed in SEEDS:
        ref = reference(seed)
        names += [e["local_authority"] for e in _events(ref)]
        names += [o["name"] for o in ref["organisations"]]
        names += [p["name"] for p in ref["people"]]
    return list(dict.fromkeys(names))


# The words for an area ("Locality", "Service areas") are searched in what people read only
# (`area_word_hits`): "locality" is also the code's name for an area, which stays.
AREA_KEYS = ("area", "areas")


def _seed_words(*, areas: bool) -> list[str]:
    neutral = {w.casefold() for w in Words().as_dict().values()}
    words = [
        w
        for seed in SEEDS
        for key, w in ((reference(seed).get("setup") or {}).get("words") or {}).items()
        if (key in AREA_KEYS) == areas and w.casefold() not in neutral
    ]
    return sorted(dict.fromkeys(words), key=len, reverse=True)


def demo_words() -> list[str]:
    """The demos' words for their board, group and scrutiny body (their `setup:` blocks), less
    the tracker's own neutral ones (the second council's board is an "Improvement Board")."""
    return _seed_words(areas=False)


def demo_area_words() -> list[str]:
    """The demos' words for an area, less the neutral "Area" and "Areas"."""
    return _seed_words(areas=True)


def _words_pattern(words: list[str]) -> re.Pattern[str]:
    """A phrase in any case ("Scrutiny Panel"); a one-word name (an acronym) as written and not
    as a code's name: `MeetingKind.JSIG` and its definition `JSIG = "jsig"` are the kind's code,
    which stays (only what people read changes)."""
    parts = []
    for word in words:
        if " " in word:
            parts.append("(?i:" + _word(word) + ")")
        else:
            parts.append(r"(?<![\w.-])" + re.escape(word) + r"(?![\w-])(?!\s*=[^=])")
    return re.compile("|".join(parts))


def demo_refs() -> list[str]:
    """The demos' finding and action refs."""
    refs = []
    for seed in SEEDS:
        refs += [f["ref"] for e in _events(reference(seed)) for f in e["findings"]]
        plans = ("main_plan.csv", "locality_plans.csv", "area_plans.csv")
        refs += [r["ref"] for name in plans for r in _csv(seed, name)]
    return refs


def demo_areas() -> list[dict]:
    return [a for seed in SEEDS for a in _areas(reference(seed))]


def demo_plan_codes() -> list[str]:
    mains = [reference(seed)["main_plan"]["code"] for seed in SEEDS]
    return mains + [a["code"] for a in demo_areas()]


def demo_years() -> set[int]:
    """Every year a date in the seeds falls in (the inspections, the plans, the history)."""
    text = ""
    for seed in SEEDS:
        text += "\n".join(p.read_text(encoding="utf-8") for p in sorted(seed.glob("*.*sv")))
        text += (seed / "reference.yaml").read_text(encoding="utf-8")
    return {int(y) for y in re.findall(r"\b(20\d\d)-\d\d\b", text)}


def _word(text: str) -> str:
    return r"(?<![\w-])" + re.escape(text) + r"(?![\w-])"


class RefSearch:
    """The demo's refs, found by their shape (letters, a dash or none, digits) and then looked
    up: one alternation of 355 refs took half a minute over the code. A ref of another shape
    is searched for by itself."""

    SHAPE = re.compile(r"(?<![\w-])[A-Za-z]+-?\d+(?![\w-])")

    def __init__(self, refs: list[str]) -> None:
        self.refs = set(refs)
        odd = [r for r in refs if not self.SHAPE.fullmatch(r)]
        self.odd = re.compile("|".join(_word(r) for r in odd)) if odd else None

    def anywhere(self, text: str) -> bool:
        """Whether a file may hold a ref at all: one pass over it before the line-by-line one."""
        if any(m.group(0) in self.refs for m in self.SHAPE.finditer(text)):
            return True
        return bool(self.odd and self.odd.search(text))

    def search(self, line: str) -> re.Match[str] | None:
        for match in self.SHAPE.finditer(line):
            if match.group(0) in self.refs:
                return match
        return self.odd.search(line) if self.odd else None


@cache
def patterns() -> dict[str, re.Pattern[str] | RefSearch]:
    areas = [a["code"] for a in demo_areas()] + [a["name"] for a in demo_areas()]
    quoted_area = "|".join(re.escape(a) for a in areas)
    main = "|".join(re.escape(reference(seed)["main_plan"]["code"]) for seed in SEEDS)
    return {
        # One boundary check around the alternation, not one per name: the engine can then
        # skip a position by its first letter (eight seconds over the code became two).
        "a name of the demo": re.compile(
            r"(?<![\w-])(?:"
            + "|".join(re.escape(n) for n in sorted(demo_names(), key=len, reverse=True))
            + r")(?![\w-])",
            re.IGNORECASE,
        ),
        "a ref of the demo": RefSearch(demo_refs()),
        "a word of the demo (a setting: settings.current().words)": _words_pattern(demo_words()),
        # An area's code or name as a value (a plan code in a list, a link, a comparison), not
        # the compass word in prose ("north of the river").
        "an area of the demo as a value": re.compile(
            rf"""["'](?:{quoted_area})["']|/(?:{quoted_area})(?:[/"'?]|$)|code=(?:{quoted_area})\b"""
        ),
        "the demo's main plan code as a value": re.compile(
            rf"""(?:code|plan)\s*(?:==|=|!=)\s*["'](?:{main})["']"""
        ),
        "a year of the demo": re.compile(
            "|".join(rf"(?<!\d){y}(?!\d)" for y in sorted(demo_years()))
        ),
    }


def searched_files() -> list[Path]:
    files = []
    for root in SEARCHED:
        for path in sorted(root.rglob("*")):
            text = path.suffix in {".py", ".html", ".txt", ".j2", ".md", ".sql"}
            if path.is_file() and text and HISTORY not in path.parents:
                files.append(path)
    return files


def hits(files: list[Path], root: Path = ROOT) -> list[str]:
    found = []
    compiled = patterns()
    for path in files:
        text = path.read_text(encoding="utf-8")
        searched = {
            what: pattern
            for what, pattern in compiled.items()
            if not isinstance(pattern, RefSearch) or pattern.anywhere(text)
        }
        for number, line in enumerate(text.splitlines(), start=1):
            for what, pattern in searched.items():
                if match := pattern.search(line):
                    where = path.relative_to(root)
                    found.append(f"{where}:{number}: {what} ({match.group(0)!r}): {line.strip()}")
    return found


def test_the_seeds_give_the_search_something_to_find():
    assert {"Doncaster", "Westmere", "Westmere Borough Council"} <= set(demo_names())
    assert {"MAP-001", "N-01", "R1", "IP-01", "FD-01", "FV-APA1", "MV-AFI2"} <= set(demo_refs())
    assert {"north", "south", "east", "central", "improvement", "front-door"} <= set(
        demo_plan_codes()
    )
    assert {2015, 2016, 2022, 2023} <= demo_years()
    assert {
        "Getting to Good",
        "JSIG",
        "Joint Strategic Inspection Group",
        "Children's Scrutiny Committee",
    } <= set(demo_words())
    assert set(demo_area_words()) == {"Locality", "Localities", "Service area", "Service areas"}


# Python's adjacent string literals, split over lines: `"... a Getting "` then `"to Good ..."`.
_SPLIT_STRING = re.compile(r"""(["'])[ \t]*\n[ \t]*[rbf]*\1""")


def split_word_hits(files: list[Path], root: Path = ROOT) -> list[str]:
    """The demo's words in a string split over two lines, which the line-by-line search misses."""
    words = _words_pattern(demo_words())
    found = []
    for path in files:
        if path.suffix != ".py":
            continue
        text = path.read_text(encoding="utf-8")
        for match in words.finditer(_SPLIT_STRING.sub("", text)):
            if not words.search(text, match.start(), match.end()):
                found.append(f"{path.relative_to(root)}: across two lines: {match.group(0)!r}")
    return found


def test_tracker_and_templates_hold_nothing_of_the_demo():
    found = hits(searched_files()) + split_word_hits(searched_files())
    assert found == [], "The demo belongs in seed/:\n" + "\n".join(found)


# What the areas page says an area may be: the kinds, named as examples, not as this council's.
_AREA_EXAMPLES = re.compile(
    r"(?i)(?:an? )?localit(?:y|ies),\s+(?:an? )?service areas?,?\s+or\s+(?:an? )?teams?"
)
_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
_JINJA_TAG = re.compile(r"\{[{%].*?[%}]\}", re.DOTALL)
_QUOTED = re.compile(r"\"[^\"\n]*\"|'[^'\n]*'")
# A name in code, quoted: a key, a column, an import's header ("locality", "Locality").
_PYTHON_NAME = re.compile(r"^[A-Za-z_]+$|^[a-z ]+$")
_TEMPLATE_NAME = re.compile(r"^[a-z_]+$")


def _python_text(text: str) -> list[str]:
    """A module's string literals that are not docstrings (nor long word lists): what it may
    show people."""
    tokens = [
        t
        for t in tokenize.generate_tokens(io.StringIO(text).readline)
        if t.type not in (tokenize.NL, tokenize.COMMENT)
    ]
    out = []
    for before, token in zip([None, *tokens], tokens, strict=False):
        if token.type != tokenize.STRING:
            continue
        docstring = before is None or before.type in (
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
        )
        if not docstring and not token.string.lstrip("rbfRBF").startswith(('"""', "'''")):
            out.append(token.string)
    return out


def _template_text(text: str) -> list[str]:
    """A template's text outside its tags, and the strings quoted inside them."""
    text = _JINJA_COMMENT.sub("", text)
    quoted = [q for tag in _JINJA_TAG.findall(text) for q in _QUOTED.findall(tag)]
    return [_JINJA_TAG.sub(" ", text), *quoted]


def area_word_hits(files: list[Path], root: Path = ROOT) -> list[str]:
    """The demos' words for an area in what people read: text, not a name in code (`locality=`,
    `Locality.code`, `loc.locality_name`, a bare `"locality"` key)."""
    words = "|".join(re.escape(w) for w in demo_area_words())
    pattern = re.compile(rf"(?i)(?<![\w.`/<{{-])(?:{words})(?![\w`/(=>}}!-])(?!\.\w)")
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        python = path.suffix == ".py"
        for piece in _python_text(text) if python else _template_text(text):
            if (_PYTHON_NAME if python else _TEMPLATE_NAME).match(piece.strip("\"'")):
                continue
            for match in pattern.finditer(_AREA_EXAMPLES.sub("", piece)):
                found.append(f"{path.relative_to(root)}: {match.group(0)!r} in {piece.strip()!r}")
    return found


def test_what_people_read_names_areas_in_the_organisations_words():
    """Issue 20: "Localities" is one council's word; pages, mails, packs and the API's
    descriptions use `words.area` and `words.areas` (and their lower-case forms)."""
    found = area_word_hits(searched_files())
    assert found == [], "Use the organisation's word for an area:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("sample.html", '<h1 class="govuk-heading-l">Locality returns</h1>'),
        ("sample.html", '{% set nav = nav + [{"text": "Localities", "active": x}] %}'),
        ("sample.html", '{{ govukBackLink({"text": "Past returns, every locality"}) }}'),
        ("sample.html", "<p>Each service area sends its own.</p>"),
        ("sample.py", 'raise Refused("Choose a locality from the list", attr)'),
        ("sample.py", 'TEXT = (\n    "One "\n    "locality\'s return"\n)'),
        ("sample.py", 'description="For the Service Areas."'),
    ],
)
def test_the_area_search_finds_a_demo_word_people_read(tmp_path, name, text):
    sample = tmp_path / name
    sample.write_text(text + "\n", encoding="utf-8")
    assert area_word_hits([sample], tmp_path), text


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("sample.html", "{% for loc in localities %}{{ loc.locality_name }}{% endfor %}"),
        ("sample.html", "<a href=\"{{ url_for('returns.show', locality=r.locality_code) }}\">"),
        ("sample.html", "{# A locality head goes to their own locality's plan. #}"),
        ("sample.html", "<p>The localities, service areas or teams that make returns.</p>"),
        ("sample.html", '<td data-locality="{{ s.code }}">{{ words.area }}</td>'),
        ("sample.py", 'def f():\n    """The locality\'s return."""\n    return Locality.code'),
        ("sample.py", 'row = {"locality": code}  # the API\'s field stays'),
        ("sample.py", 'SCHEMA = {"$ref": "#/components/schemas/LocalityCode"}'),
        ("sample.py", 'problem(f"Send `locality` ({words.an_area}\'s code)")'),
        ("sample.py", '@bp.get("/v1/localities/<locality>/returns")'),
        ("sample.py", 'raise NotFound(f"No return for {locality} cycle {cycle}")'),
        ("sample.py", 'HEADERS = ("locality", "service area", "team")'),
    ],
)
def test_the_area_search_leaves_code_and_examples_alone(tmp_path, name, text):
    sample = tmp_path / name
    sample.write_text(text + "\n", encoding="utf-8")
    assert area_word_hits([sample], tmp_path) == [], text


def test_the_search_finds_a_word_split_over_two_lines(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('TEXT = (\n    "in the order a Getting "\n    "to Good meeting reads"\n)\n')
    assert split_word_hits([sample], tmp_path) == ["sample.py: across two lines: 'Getting to Good'"]


@pytest.mark.parametrize(
    "line",
    [
        'PLAN_CODES = ("main", "north", "south", "east", "central")',
        '{% for code, name in [("main", "Main plan"), ("north", "North")] %}',
        '"schema": {"type": "string", "enum": ["north", "south", "east", "central"]},',
        'if f.plan == "main":',
        '"Lead organisation": "Doncaster Children\'s Services Trust",',
        'description="The ref of an action this one depends on, for example MAP-012."',
        'DATE_HINT = "For example, 5/2/2016 or 5 February 2016."',
        '"""A target like "Claire Whitfield named deputy"."""',
        'href="/returns/north/3"',
        # The second council's, as they would be if its story leaked into the code.
        'href="/plans/front-door"',
        'council = "Westmere Borough Council"',
        'EXAMPLE_REF = "FV-APA1"',
        'if plan.code == "improvement":',
        'DATE_HINT = "For example, 16/11/2023."',
        # The demos' words for their meetings (issue 20.2: settings).
        "Getting to Good dashboard",
        '{% set pack_name = "JSIG board pack" if jsig else "Meeting pack" %}',
        "# the chair or a JSIG member writes it",
        '"summary": "The Joint Strategic Inspection Group board pack"',
        "<p>To the Chair and Members of the Children and Young People Scrutiny Panel.</p>",
        "Chairs and viewers (JSIG) only.",
        "For the Children's Scrutiny Committee.",
    ],
)
def test_the_search_finds_what_was_hard_coded_before(tmp_path, line):
    """The lines issues 20.5 and 20.2 removed, each found (the search can fail)."""
    sample = tmp_path / "sample.py"
    sample.write_text(line + "\n", encoding="utf-8")
    assert hits([sample], tmp_path), line


@pytest.mark.parametrize(
    "line",
    [
        'DATE_HINT = "For example, 27/3/2025 or 27 March 2025."',
        "# the compass words are generic: north south east west central",
        'if plan.kind == "main":',
        'JSIG = "jsig"',
        "paper=build_paper(kind=MeetingKind.JSIG, day=today)",
        "if MeetingKind(kind) is MeetingKind.JSIG:",
        '{% if m.kind.value == "jsig" %}{{ words.group_short }} board pack{% endif %}',
        "The quarterly scrutiny report",
        'GETTING_TO_GOOD = "getting_to_good"',
        'board: str = "Improvement board"  # the neutral default',
    ],
)
def test_the_search_leaves_neutral_lines_alone(tmp_path, line):
    sample = tmp_path / "sample.py"
    sample.write_text(line + "\n", encoding="utf-8")
    assert hits([sample], tmp_path) == [], line
