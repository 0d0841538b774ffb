"""Unit tests of each heuristic on small synthetic pages, including what each must not catch."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cleaner
from cleaner import heuristics
from cleaner.config import Config
from cleaner.document import Document
from cleaner.errors import ConfigError
from cleaner.heuristics.region import is_comment_meta
from cleaner.heuristics.view import Features, features
from cleaner.words import FUNCTION_WORDS

P1 = (
    "The ministers met in the capital on Tuesday to discuss trade, energy and security, and they "
    "agreed to meet again next year."
)
P2 = (
    "Officials said the talks were constructive and that a joint statement would be published after "
    "the leaders had reviewed the text."
)
P3 = (
    "Analysts said the meeting showed how quickly the region was changing, and that more deals were "
    "likely to follow in the coming months."
)
P4 = (
    "Trade between the countries has grown every year since the agreement was signed, according to "
    "figures released by the customs office."
)


def run(*lines: str, protected: set[int] = frozenset(), disabled: set[str] = frozenset(), url=None):
    """Clean with the heuristics alone; return (kept texts, {removed text: reason})."""
    doc = Document.from_text("\n".join(lines), id="t", source="t", url=url)
    doc.protected |= set(protected)
    removals = heuristics.find_removals(doc, disabled=set(disabled))
    doc.add(removals)
    reasons = {r.text.strip(): r.reason for r in removals}
    return [doc.blocks[i].text for i in doc.kept_indexes()], reasons


def run_html(html: str, *, disabled: set[str]):
    """`run` for an HTML page: its blocks (with markup) from the DOM extractor."""
    from cleaner.document import Page
    from cleaner.extract import to_document

    doc = to_document(Page(id="t", source="t.html", content=html, kind="html"), extractor="dom")
    removals = heuristics.find_removals(doc, disabled=set(disabled))
    doc.add(removals)
    reasons = {r.text.strip(): r.reason for r in removals}
    return [b.text for b in doc.blocks], [doc.blocks[i].text for i in doc.kept_indexes()], reasons


def test_registry_names_are_kebab_case_and_documented():
    assert heuristics.HEURISTICS
    for name, function in heuristics.HEURISTICS.items():
        assert name == name.lower() and " " not in name and "_" not in name
        assert function.__doc__ and "Must not" in function.__doc__


def test_check_names():
    heuristics.check_names(["widget", "language", "repeats"])
    with pytest.raises(ConfigError, match="no-such-thing"):
        heuristics.check_names(["no-such-thing"])


def test_removals_are_whole_blocks_with_heuristic_reasons():
    doc = Document.from_text(f"Menu\nA headline about the talks\n{P1}\n{P2}\nRead More", id="t", source="t")
    for r in heuristics.find_removals(doc, disabled=set()):
        assert r.start == 0 and r.end == len(doc.blocks[r.block].text)
        assert r.reason.startswith("heuristic:") and r.reason.split(":", 1)[1] in heuristics.HEURISTICS


def test_protected_blocks_are_never_removed():
    kept, _ = run("Read More", P1, P2, "Photo: AFP", protected={0, 3})
    assert "Read More" in kept and "Photo: AFP" in kept


def test_disabled_heuristic_keeps_its_blocks():
    kept, _ = run("Headline of the page", P1, P2, "Photo: AFP", P3, disabled={"caption", "link-list"})
    assert "Photo: AFP" in kept


# --- block features: the fast paths must agree with the definitions they replace ----------------

FEATURE_SAMPLES = [
    "",
    "Plain words here",
    "He said “no.”",
    "A sentence ends here.) ",
    "Stops in an ellipsis...",
    "Stops in an ellipsis…”",
    "Wait?!\u00a0",
    "A_b-C d\x7f e",
    "Xi Jinping (習近平) met them.",
    "日本語の文章です。",
    "İstanbul DÜZCE straße",
    "x. * ",
]


@pytest.mark.parametrize("text", FEATURE_SAMPLES)
def test_features_match_their_regex_definitions(text):
    check_features(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZ09_ .…!?)”’*\t\u00a0-,:İß日")), max_size=30) | st.text(max_size=30))
def test_features_match_their_regex_definitions_on_any_text(text):
    check_features(text)


# the regex definitions the fast paths of `Features.of` replace
CLOSERS = "\"'”’»)]\u201d\u2019*"
TERMINAL = re.compile(r"[.!?。！？][" + re.escape(CLOSERS) + r"\s]*$")
ELLIPSIS = re.compile(r"(\.\.\.|…)[" + re.escape(CLOSERS) + r"\s]*$")
WORD = re.compile(r"\w+")


def check_features(text):
    f = Features.of(text)
    stripped = text.strip()
    ellipsis = bool(ELLIPSIS.search(stripped))
    assert f.ellipsis == ellipsis
    assert f.terminal == (bool(TERMINAL.search(stripped)) and not ellipsis)
    assert f.key == heuristics.fold(text)
    tokens = WORD.findall(stripped.lower())
    assert f.stop_ratio == (sum(t in FUNCTION_WORDS for t in tokens) / len(tokens) if tokens else 0.0)


def test_features_are_shared_per_text():
    assert features("Some block text") is features("Some block text")


def _after_a_menu(opening: str, headline: str) -> tuple[list[str], dict[str, str]]:
    """A page whose article follows a masthead line and 30 menu items a pack removed."""
    menu = [f"Menu item {n}" for n in range(30)]
    lines = [opening, *menu, headline, P1, P2, P3]
    doc = Document.from_text("\n".join(lines), id="t", source="t")
    doc.add([doc.remove_block(i, "rule:test/menu") for i in range(1, 31)])
    removals = heuristics.find_removals(doc, disabled=set())
    doc.add(removals)
    return [doc.blocks[i].text for i in doc.kept_indexes()], {r.text: r.reason for r in removals}


def test_a_long_removed_menu_parts_the_article_from_a_masthead_line():
    """The region starts after 12 or more removed blocks in a row when only a little prose (a
    masthead's promo) came before them, and the headline is not looked for past twice as many."""
    promo = "Complete D.C. Coverage * Weekly Video with Editor Picks * More. The Magazine, Digital Edition."
    kept, reasons = _after_a_menu(promo, "Why the talks will fail")
    assert kept == ["Why the talks will fail", P1, P2, P3]
    assert reasons[promo] == "heuristic:outside-article"
    # must not: an opening of 40 words or more before the menu stays the article's
    opening = P4 + " " + P4
    kept, _ = _after_a_menu(opening, "Why the talks will fail")
    assert opening in kept and P1 in kept


def test_comment_meta_lines():
    for line in ("Reply", "Rating: 36 Votes", "Posted By: jo | January 07 2008 at 03:06 PM", "2 days ago at 07:52 am"):
        assert is_comment_meta(line), line
    assert not is_comment_meta("He replied to the letter 2 days ago.")


# --- each heuristic's cases, as data: fixtures/heuristics/<name>.toml --------------------------

CASES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "heuristics"
PROSE = tomllib.loads((CASES_DIR / "prose.toml").read_text(encoding="utf-8"))


def heuristic_cases() -> list:
    cases = []
    for name in heuristics.HEURISTICS:
        path = CASES_DIR / f"{name}.toml"
        data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {"case": []}
        for n, case in enumerate(data.get("case", []), start=1):
            cases.append(pytest.param(name, case, id=f"{name}-{n}"))
    return cases


def test_every_heuristic_has_cases_to_catch_and_to_keep():
    files = {p.stem for p in CASES_DIR.glob("*.toml")} - {"prose"}
    assert files == set(heuristics.HEURISTICS), "one case file per registered heuristic, and no other"
    for name in heuristics.HEURISTICS:
        cases = tomllib.loads((CASES_DIR / f"{name}.toml").read_text(encoding="utf-8"))["case"]
        assert any(c.get("catch") for c in cases), f"{name}: no case of what it must catch"
        assert any(c["why"].startswith("Must not") and c.get("keep") for c in cases), f"{name}: no 'Must not' case"


@pytest.mark.parametrize(("name", "case"), heuristic_cases())
def test_heuristic_case(name, case):
    """The page cleaned with this heuristic alone: `catch` lines go with its reason, `keep` lines stay."""
    unknown = set(case) - {"why", "page", "html", "catch", "keep", "url"}
    assert not unknown, f"unknown keys {unknown}"
    others = set(heuristics.HEURISTICS) - {name}
    if "html" in case:  # a markup-aware heuristic: the page goes through the DOM extractor
        page, kept, reasons = run_html(case["html"], disabled=others)
    else:
        page = [PROSE.get(line, line) for line in case["page"]]
        kept, reasons = run(*page, disabled=others, url=case.get("url"))
    for line in (PROSE.get(x, x) for x in case.get("catch", [])):
        assert line in page, f"catch line not on the page: {line!r}"
        assert reasons.get(line) == f"heuristic:{name}", f"{case['why']}: {line!r} not caught"
    for line in (PROSE.get(x, x) for x in case.get("keep", [])):
        assert line in page, f"keep line not on the page: {line!r}"
        assert line in kept, f"{case['why']}: {line!r} removed ({reasons.get(line)})"


def test_readme_lists_the_registry():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    listed = re.search(r"<!-- heuristics:[^\n]*-->\n(.*?)\n<!-- /heuristics -->", readme, re.S)
    assert listed, "README: the generated list of heuristics is missing"
    assert listed.group(1) == heuristics.describe(), "README's heuristics differ: paste cleaner.heuristics.describe()"


# --- what a dump's headline, byline and dateline say: the title/author/date columns ------------


def test_dump_metadata_from_the_headline_byline_and_dateline():
    text = "\n".join(
        [
            "Home",
            "World",
            "Talks end with a joint statement",
            "By Jane Doe",
            "Updated 5:32 PM EST, Mon March 3, 2014",
            P1,
            P2,
            P3,
        ]
    )
    info = cleaner.clean_text(text).info
    assert info is not None
    assert (info.title, info.author, info.date, info.sitename) == (
        "Talks end with a joint statement",
        "Jane Doe",
        "2014-03-03",
        None,
    )


def test_dump_metadata_never_invented():
    """No byline, no dateline: author and date stay None; a byline widget without a name and a
    stamp without a whole date give nothing either."""
    for lines in (
        ["Talks end with a joint statement", P1, P2, P3],
        ["Talks end with a joint statement", "Published", "on", "By", "3 hours ago", P1, P2, P3],
    ):
        info = cleaner.clean_text("\n".join(lines)).info
        assert info is not None and info.title == "Talks end with a joint statement"
        assert (info.author, info.date) == (None, None)
    assert cleaner.clean_text("Home\nNews\nSport").info is None


def test_dump_metadata_masthead_date_is_not_the_articles():
    """A bare date above the headline is the masthead's today; one that says "Published" counts."""
    masthead = ["Wednesday, November 20, 2019", "Home", "Talks end with a joint statement", P1, P2, P3]
    info = cleaner.clean_text("\n".join(masthead)).info
    assert info is not None and info.date is None
    published = ["Published: 12 May 2023", "Talks end with a joint statement", P1, P2, P3]
    info = cleaner.clean_text("\n".join(published)).info
    assert info is not None and info.date == "2023-05-12"


def test_dump_metadata_from_a_pack_byline_rule(tmp_path):
    """A pack rule whose id starts with "byline" identifies the line; its author and date are read."""
    packs = tmp_path / "packs"
    packs.mkdir()
    byline = "By Jane Doe, Staff Writer, The Daily Example, last updated on May 3, 2020 at 5 pm"
    (packs / "example.toml").write_text(
        "[pack]\nid = 'example'\ndetect = ['The Daily Example']\n"
        "[[drop]]\nid = 'byline-box'\nregex = '^By .* The Daily Example'\n"
        f"[[example]]\ninput = {byline!r}\nexpect = ''\n",
        encoding="utf-8",
    )
    text = "\n".join(["Talks end with a joint statement", byline, P1, P2, P3])
    result = cleaner.clean_text(text, config=Config(rules=[str(packs)]))
    assert any(r.reason == "rule:example/byline-box" for r in result.removed)
    assert result.info is not None and (result.info.author, result.info.date) == ("Jane Doe", "2020-05-03")


def test_dump_metadata_columns_beside_input_fields_of_the_same_name():
    """The columns hold what the dump says; input fields named title/author/date keep their values
    as meta_title/meta_author/meta_date (the renaming rule for any clashing input field)."""
    from cleaner.document import Page
    from cleaner.io.writer import result_row
    from cleaner.pipeline import Pipeline

    pipeline = Pipeline.from_config(Config())
    text = "\n".join(["Talks end with a joint statement", "By Jane Doe", P1, P2, P3])
    page = Page(id="p", source="p", content=text, metadata={"title": "from the crawl", "author": "crawler"})
    row = result_row(pipeline.clean(pipeline.document(page)))
    assert (row["title"], row["author"], row["date"]) == ("Talks end with a joint statement", "Jane Doe", None)
    assert (row["meta_title"], row["meta_author"]) == ("from the crawl", "crawler")


def test_dump_metadata_title_must_read_as_a_headline():
    """A kept block the title heuristic took that reads as furniture gives no title."""
    for furniture in (
        "Print This Article | Single Page",
        "Sat Jan 5, 2008 7:05pm EST",
        "Snopes needs your help! Learn more.",
    ):
        info = cleaner.clean_text("\n".join([furniture, P1, P2, P3])).info
        assert info is None or info.title is None, furniture
