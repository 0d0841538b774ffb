"""The DOM extractor and the markup-aware heuristics: blocks with markup features on small
handmade pages, page metadata, the extractor switch, deep nesting and broken charsets, the
extraction watchdog, and golden outputs for the shipped HTML fixtures (fixtures/html/)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cleaner.config import Config
from cleaner.document import Page
from cleaner.engine import run
from cleaner.errors import InputError
from cleaner.extract import nesting_depth, to_document
from cleaner.extract.dom import choose_container, comment_threads, is_furniture, token_of, walk, word_counts
from cleaner.extract.watchdog import CHILD_ENV, Watchdog
from cleaner.heuristics.widgets import first_date
from cleaner.pipeline import Pipeline

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "html"
HANGING_CHILD = Path(__file__).resolve().parent / "_hanging_extractor.py"

PROSE = (
    "The harbour reopened on Monday after three months of repairs to the sea wall, the port authority said.",
    "Fishing boats returned to the inner basin by noon, and the ferry will resume its summer timetable.",
    "Repairs cost about four million euros, most of it covered by a regional emergency fund this year.",
)


def page(body: str, *, head: str = "", url: str | None = "https://news.example.com/harbour") -> Page:
    html = f"<html><head>{head}</head><body>{body}</body></html>"
    return Page(id="p", source="p.html", content=html, kind="html", url=url)


def article(*middle: str) -> str:
    return "<article><h1>Harbour reopens</h1>" + f"<p>{PROSE[0]}</p>" + "".join(middle) + f"<p>{PROSE[1]}</p>"


def blocks(doc) -> dict[str, object]:
    return {b.text: b.markup for b in doc.blocks}


def cleaned(p: Page, **settings) -> str:
    pipeline = Pipeline.from_config(Config(**{"extract_timeout": 0, "extractor": "dom", **settings}))
    return pipeline.clean(pipeline.document(p)).text


# --- markup features ------------------------------------------------------------------------------


def test_navigation_carries_its_tokens_and_goes():
    p = page(
        '<nav class="menu"><ul><li><a href="/">Home</a></li><li><a href="/w">World</a></li></ul></nav>' + article()
    )
    features = blocks(to_document(p, extractor="dom"))
    assert features["Home"].tag == "li" and features["Home"].in_list
    assert {"nav", "menu"} <= set(features["Home"].tokens) and features["Home"].link_density == 1.0
    assert features["Home"].in_article is False and features[PROSE[0]].in_article is True
    text = cleaned(p)
    assert "Home" not in text and PROSE[0] in text and PROSE[1] in text


def test_related_list_of_links_goes_even_inside_the_article():
    related = '<div class="related-stories"><h3>More news</h3><ul>' + "".join(
        f'<li><a href="/s{i}">Other headline number {i} about the port</a></li>' for i in range(3)
    )
    p = page(article(related + "</ul></div>"))
    features = blocks(to_document(p, extractor="dom"))
    item = features["Other headline number 0 about the port"]
    assert "related" in item.tokens and item.in_article is True and item.group >= 0
    text = cleaned(p)
    assert "Other headline" not in text and PROSE[1] in text


def test_in_article_list_without_links_is_content():
    steps = "<ol>" + "".join(f"<li>Step {w} of the repair plan</li>" for w in ("one", "two", "three", "four")) + "</ol>"
    p = page(article(steps))
    features = blocks(to_document(p, extractor="dom"))
    assert features["Step one of the repair plan"].in_list and features["Step one of the repair plan"].tag == "li"
    text = cleaned(p)
    assert all(f"Step {w} of the repair plan" in text for w in ("one", "two", "three", "four"))
    # the same run of short lines in a text dump is taken for a link list: markup is what keeps it
    dump = "\n".join(["Harbour reopens", PROSE[0], *(f"Step {w} of the repair plan" for w in "abcd"), PROSE[1]])
    assert "Step a of the repair plan" not in cleaned(Page(id="d", source="d.txt", content=dump))


def test_list_items_that_repeat_on_purpose_are_kept():
    plan = "<ul>" + "".join(f"<li>{day}: bean chilli with rice</li>" for day in ("Monday", "Wednesday")) + "</ul>"
    plan += "<ul><li>bean chilli with rice</li><li>bean chilli with rice</li></ul>"
    text = cleaned(page(article(plan)))
    assert text.count("bean chilli with rice") == 4


def test_table_cells_are_blocks_with_table_membership():
    table = "<table><tr><th>Energy</th><td>310 kcal</td></tr><tr><th>Protein</th><td>18 g</td></tr></table>"
    p = page(article(table))
    features = blocks(to_document(p, extractor="dom"))
    assert features["310 kcal"].in_table and features["310 kcal"].tag == "td"
    assert features["310 kcal"].group == features["Protein"].group >= 0
    assert "310 kcal" in cleaned(p)


def test_comments_go_though_they_are_prose():
    comments = '<section id="comments"><h3>2 comments</h3>' + "".join(
        f'<div class="comment"><p>{s}</p></div>' for s in PROSE[1:]
    )
    p = page(article() + "</article>" + comments + "</section>")
    features = blocks(to_document(p, extractor="dom"))
    assert "comment" in features[PROSE[2]].tokens
    assert PROSE[2] not in cleaned(p)


def test_heading_level_depth_and_link_density():
    p = page(article('<h2>What comes <a href="/next">next</a></h2>', f'<p>{PROSE[2]} <a href="/x">More</a></p>'))
    features = blocks(to_document(p, extractor="dom"))
    assert features["Harbour reopens"].heading == 1 and features["What comes next"].heading == 2
    assert 0 < features[f"{PROSE[2]} More"].link_density < 0.1
    assert features["What comes next"].depth > features["Harbour reopens"].depth - 1


def test_a_wrapper_named_like_furniture_does_not_take_the_article():
    """Page builders wrap article text in 'widget' containers: a furniture name on an element
    that mostly holds prose is no furniture."""
    body = '<div class="elementor-widget-container"><h1>Harbour reopens</h1>' + "".join(f"<p>{s}</p>" for s in PROSE)
    text = cleaned(page(body + "</div>"))
    assert all(s in text for s in PROSE)


MORE = (
    "Engineers will inspect the outer breakwater again in the spring, before the storm season starts.",
    "The council thanked residents for their patience during the long months of closure and detours.",
)


def test_a_box_inside_the_article_does_not_end_it():
    """A 'Trending' label heading a box of links in the middle of the article: the article's own
    paragraphs go on after it at their depth, so the label does not close the article (the box's
    links go; its label stays, a known cost)."""
    box = "<div><h4>Trending News</h4><ul>" + "".join(
        f'<li><a href="/t{i}">Another trending headline number {i} today</a></li>' for i in range(4)
    )
    body = article(box + "</ul></div>", *(f"<p>{s}</p>" for s in MORE))
    text = cleaned(page(body + "</article>"))
    assert all(s in text for s in (*PROSE[:2], *MORE))
    assert "trending headline" not in text


def test_a_list_of_other_stories_is_not_the_article_container():
    """Linked headlines, each with a summary, in a list beside the article: the summaries are
    other stories, so the container is the article and the list goes."""
    stories = '<div class="more"><ul>' + "".join(
        f'<li><h5><a href="/s{i}">Headline of another story number {i}</a></h5>'
        f"<div>{s.replace('harbour', 'museum')} More words make this summary long enough.</div></li>"
        for i, s in enumerate(PROSE + PROSE)
    )
    body = '<div class="page">' + article() + "</article>" + stories + "</ul></div></div>"
    doc = to_document(page(body), extractor="dom")
    features = blocks(doc)
    assert features[PROSE[0]].in_article is True
    assert features["Headline of another story number 0"].in_article is False
    text = cleaned(page(body))
    assert PROSE[0] in text and "another story" not in text and "museum" not in text


def test_short_paragraphs_of_the_article_are_content():
    """Tour dates written as one short paragraph each, at the article's paragraph depth: not a
    list of links; a paragraph that a pagination link cuts short is not a teaser either."""
    dates = [f"June {d} – Harbour Hall, Portville" for d in (9, 10, 14, 17)]
    cut = "The ferry company said that the new timetable would include a late boat on Fridays and"
    body = article(*(f"<p>{d}</p>" for d in dates), f"<p>{cut}</p>")
    tail = '<div><a href="/all">View article on single page</a></div>'
    summaries = "".join(f"<p>{s[:70]}</p>" for s in MORE)
    text = cleaned(page(body + tail + "</article>" + f'<div class="box">{summaries}</div>'))
    assert all(d in text for d in dates) and cut in text


def test_a_comment_thread_is_never_the_container():
    """A thread headed 'Article Comments' (no furniture name) with most of the page's prose: it
    is not taken for the article container, so the article is not cut away as outside it."""
    replies = "".join(f"<p>{s.replace('harbour', 'bridge')} I think so too, really.</p>" for s in (*PROSE, *MORE))
    menu = "<div>" + "".join(f"<div>Section number {i} of the site</div>" for i in range(12)) + "</div>"
    body = menu + f'<div class="story"><h1>Harbour reopens</h1><p>{PROSE[0]}</p><p>{PROSE[1]}</p></div>'
    body += f"<div><div>Article Comments</div>{replies}</div>"
    found = walk(page(body).content)
    container = choose_container(word_counts(found), found.candidates, threads=comment_threads(found))
    thread = next(iter(comment_threads(found)))
    assert found.raws[found.first_raw[thread]][0] == "Article Comments" and container != thread
    text = cleaned(page(body))
    assert PROSE[0] in text and PROSE[1] in text


def test_figure_captions_go():
    caption = "<figure><img src='a.jpg'><figcaption>The sea wall during the repairs in May.</figcaption></figure>"
    p = page(article(caption) + "</article>")
    assert "caption" in blocks(to_document(p, extractor="dom"))["The sea wall during the repairs in May."].tokens
    assert "sea wall during the repairs" not in cleaned(p)


BIO = (
    "Jo Weller has covered the coast for twenty years and lives in Portville with her husband, "
    "two sons and a very old dog, and she writes about ferries, fishing and the weather."
)


def test_a_furniture_box_with_a_little_prose_goes():
    """An author box, a long photo caption, a disclaimer: named for furniture and holding a few
    sentences of prose of their own, still furniture (`is_furniture`); an element that holds
    most of the page's prose under such a name stays (the page builder's widget above)."""
    caption = (
        "<div class='photo-caption'>Fishing boats return to the inner basin of the harbour on Monday, "
        "after three months of repairs to the sea wall. (Photo: Port Authority)</div>"
    )
    body = article(caption, f"<p>{PROSE[2]}</p>") + f"<div class='author-bio'><p>{BIO}</p></div></article>"
    text = cleaned(page(body))
    assert all(s in text for s in PROSE)
    assert "Jo Weller" not in text and "Photo: Port Authority" not in text


def test_is_furniture():
    assert is_furniture(40, 2, 300)  # a bio beside a 300-word article
    assert not is_furniture(250, 20, 300)  # the article under a 'widget' name
    assert is_furniture(10, 0, 10) and is_furniture(100, 120, 300)


def test_a_subheading_named_for_a_section_heads_it():
    """'You may also like' as ``<h3 class="related-posts-title">`` over other stories' openings
    (prose, no links): the heading names the rest of its parent, so they go, however much prose
    they hold. Must not: a subheading with another class, or an ``h1``, takes nothing."""
    others = "".join(f"<p>{s.replace('harbour', 'museum')} It will open again soon.</p>" for s in (*PROSE, *MORE))
    for heading, goes in (
        ('<h3 class="related-posts-title">You may also like</h3>', True),
        ('<h3 id="comments-title">Readers write</h3>', True),
        ('<h3 class="section-title">The museum</h3>', False),
        ('<h1 class="related-posts-title">The museum</h1>', False),
    ):
        body = '<div class="page">' + article() + f"</article><div>{heading}{others}</div></div>"
        text = cleaned(page(body))
        assert PROSE[0] in text and PROSE[1] in text
        assert ("museum" not in text) is goes, heading


def test_token_of_matches_whole_words():
    assert token_of("site-header main-navigation") == ("nav",)
    assert token_of("shadow thread readable") == ()
    assert token_of("ad-slot sponsored_post") == ("ad", "sponsor")


def test_author_boxes_are_named_but_bylines_are_not():
    """An author box ("post-author", "author-box", "about-the-author") is furniture; a byline's
    "author" or "author-name" is not (some gold keeps bylines)."""
    assert token_of("post-author") == token_of("authorbox") == token_of("about-the-author") == ("author-bio",)
    assert token_of("author-profile vcard") == ("author-bio",)
    assert token_of("author") == token_of("author-name byline") == ()


def test_dumps_have_no_markup():
    doc = to_document(Page(id="t", source="t.txt", content="Line one\nLine two"), extractor="dom")
    assert all(b.markup is None for b in doc.blocks)
    assert all(b.markup is None for b in to_document(page(article()), extractor="trafilatura").blocks)


# --- metadata -------------------------------------------------------------------------------------


def test_metadata_from_json_ld_meta_and_time():
    head = (
        "<title>Harbour reopens | Example News</title>"
        '<meta property="og:site_name" content="Example News">'
        '<meta name="author" content="Jo Weller">'
        '<script type="application/ld+json">{"@graph": [{"@type": "WebSite", "name": "x"}, '
        '{"@type": "NewsArticle", "headline": "Harbour reopens after repairs", "datePublished": "2024-03-04T08:00Z"}]}'
        "</script>"
    )
    info = to_document(page(article(), head=head), extractor="dom").info
    assert (info.title, info.author, info.date, info.sitename) == (
        "Harbour reopens after repairs",
        "Jo Weller",
        "2024-03-04",
        "Example News",
    )
    info = to_document(
        page('<time datetime="2019-07-01">July 1</time>' + article(), head="<title>T</title>"), extractor="dom"
    ).info
    assert (info.title, info.author, info.date, info.sitename) == ("T", None, "2019-07-01", None)
    assert to_document(page(article()), extractor="dom").info.date is None


def test_bad_json_ld_is_ignored():
    head = '<script type="application/ld+json">{not json</script><meta property="og:title" content="OG title">'
    assert to_document(page(article(), head=head), extractor="dom").info.title == "OG title"


def test_one_date_reader_for_both_paths():
    """Metadata values are read by the dump path's date reader (`widgets.first_date`): ISO
    values, and dates written out ("Tue Nov 19 2019 03:05:46 GMT"), a day the month lacks never."""
    assert first_date("2019-03-07T10:00:00+01:00") == "2019-03-07" and first_date("2019/3/7") == "2019-03-07"
    assert first_date("Tue Nov 19 2019 03:05:46 GMT+0000") == "2019-11-19"
    assert first_date("2019-02-30") is None and first_date("March 7") is None
    # compact values ("20190307", "2019.03.07") only where a field says the value is a date
    assert first_date("20190307", compact=True) == first_date("2019.03.07", compact=True) == "2019-03-07"
    assert first_date("20190307") is None and first_date("20190230", compact=True) is None
    meta = '<meta name="date" content="20190307">'
    assert to_document(page(article(), head=meta), extractor="dom").info.date == "2019-03-07"
    head = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "Tue Nov 19 2019"}</script>'
    assert to_document(page(article(), head=head), extractor="dom").info.date == "2019-11-19"


def test_metadata_columns_in_the_output_and_input_fields_renamed(tmp_path: Path):
    html = (
        "<html><head><title>Harbour</title><meta name='author' content='Jo Weller'></head><body>"
        + article()
        + "</body></html>"
    )
    records = tmp_path / "in.jsonl"
    records.write_text(
        json.dumps({"id": "h", "url": "https://e.com/h", "html": html, "title": "from the input"})
        + "\n"
        + json.dumps({"id": "t", "text": "A plain dump line that is long enough to stay in the output."})
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.parquet"
    run([str(records)], str(out), Config(repeats=False, extractor="dom"), progress=False)
    table = pq.read_table(out)
    for name in ("title", "author", "date", "sitename"):
        assert table.schema.field(name).nullable
    rows = {r["id"]: r for r in table.to_pylist()}
    assert rows["h"]["title"] == "Harbour" and rows["h"]["author"] == "Jo Weller" and rows["h"]["date"] is None
    assert rows["h"]["meta_title"] == "from the input"


def test_trafilatura_extractor_fills_metadata_too():
    head = '<title>Harbour reopens</title><meta name="author" content="Jo Weller">'
    info = to_document(page(article(), head=head), extractor="trafilatura").info
    assert info.author == "Jo Weller" and info.title


# --- the extractor switch -------------------------------------------------------------------------


def test_extractor_switch_chooses_the_path(tmp_path: Path):
    p = page('<nav><a href="/">Home</a></nav>' + article())
    dom, traf = to_document(p, extractor="dom"), to_document(p, extractor="trafilatura")
    assert "Home" in [b.text for b in dom.blocks] and "Home" not in [b.text for b in traf.blocks]
    assert PROSE[0] in cleaned(p, extractor="trafilatura") and PROSE[0] in cleaned(p)
    with pytest.raises(InputError, match="unknown extractor"):
        to_document(p, extractor="nope")


def test_extractor_is_a_checked_setting():
    from cleaner.config import check_config
    from cleaner.errors import ConfigError

    with pytest.raises(ConfigError, match="extractor"):
        check_config(Config(extractor="readability"))


# --- robustness -------------------------------------------------------------------------------------


def deep(levels: int) -> Page:
    body = "<div>" * levels + f"<p>{PROSE[0]}</p>" + "</div>" * levels + f"<p>{PROSE[1]}</p>"
    return page(body, url=None)


def test_deep_nesting_is_extracted_by_the_dom_extractor():
    p = deep(1000)
    assert nesting_depth(p.content) > 1000
    texts = [b.text for b in to_document(p, extractor="dom").blocks]
    assert texts == [PROSE[0], PROSE[1]]


def test_deep_nesting_is_reported_by_the_trafilatura_extractor():
    with pytest.raises(InputError, match=r"nested \d+ levels deep"):
        to_document(deep(1000), extractor="trafilatura")


def test_stale_charset_declarations_are_ignored():
    html = '<?xml version="1.0" encoding="ISO-8859-1"?><html><head><meta charset="windows-1252"></head>'
    html += f"<body><p>Café in São Tomé — {PROSE[0]}</p></body></html>"
    doc = to_document(Page(id="c", source="c.html", content=html, kind="html"), extractor="dom")
    assert doc.blocks[0].text == f"Café in São Tomé — {PROSE[0]}"


# --- the watchdog -----------------------------------------------------------------------------------


def test_watchdog_kills_a_hung_extraction_and_goes_on():
    # a limit a loaded machine does not reach on a real page: the hung page still waits it out
    guard = Watchdog(None, 5.0, command=(sys.executable, str(HANGING_CHILD)))
    try:
        assert guard.document(page(article())).blocks
        started = time.monotonic()
        with pytest.raises(InputError, match=r"did not finish in 5 s") as info:
            guard.document(Page(id="h", source="hung.html", content="<p>STALL</p>", kind="html"))
        assert info.value.source == "hung.html" and time.monotonic() - started < 60
        assert guard.restarts == 1
        assert guard.document(page(article())).blocks  # a fresh process took over
        with pytest.raises(InputError, match="extraction process died"):
            guard.document(Page(id="c", source="crash.html", content="<p>CRASH</p>", kind="html"))
        assert guard.document(page(article())).blocks
    finally:
        guard.close()


def test_watched_extraction_keeps_the_page_folder_and_time():
    """The watchdog path (the default for HTML) gives the same document fields as extracting in
    process: the site folder the corpus stage keys on, and the extraction time for --stats."""
    p = Page(id="f", source="f.html", content=page(article()).content, kind="html", folder="harbour-times")
    pipeline = Pipeline.from_config(Config(extract_timeout=30))
    try:
        doc = pipeline.document(p)
    finally:
        pipeline.close()
    assert doc.folder == "harbour-times" and doc.blocks and "extract" in doc.seconds


@pytest.mark.parametrize("workers", [1, 2])
def test_a_hung_page_is_reported_with_any_number_of_workers(tmp_path: Path, workers: int):
    """End to end in a fresh process (its pool's workers inherit the environment naming the
    hanging child): the hung page is reported, every other page written, exit status 1."""
    import os
    import subprocess

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(4):
        (folder / f"ok{i}.html").write_text(page(article()).content.replace("Monday", f"Monday {i}"), "utf-8")
    (folder / "hung.html").write_text("<html><body><p>STALL</p></body></html>", "utf-8")
    out = tmp_path / "out.parquet"
    errors = tmp_path / "errors.jsonl"
    env = dict(os.environ, **{CHILD_ENV: str(HANGING_CHILD)})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
    command = [sys.executable, "-m", "cleaner.cli", "clean", str(folder), "-o", str(out), "-q"]
    command += ["-j", str(workers), "--no-repeats", "--extractor", "dom", "--extract-timeout", "5"]
    command += ["--errors", str(errors)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    ids = set(pq.read_table(out, columns=["id"]).column("id").to_pylist())
    assert ids == {f"ok{i}" for i in range(4)}
    log = errors.read_text("utf-8")
    assert "hung.html" in log and "did not finish" in log


# --- golden outputs of the shipped fixtures -----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("*.html")))
def test_html_fixture_golden(name: str, golden):
    source = FIXTURES / f"{name}.html"
    p = Page(id=name, source=source.name, content=source.read_text(encoding="utf-8"), kind="html")
    pipeline = Pipeline.from_config(Config(extract_timeout=0, extractor="dom"))
    result = pipeline.clean(pipeline.document(p))
    expected = FIXTURES / "expected"
    golden(expected / f"{name}.txt", result.text + "\n")
    golden(
        expected / f"{name}.removed.jsonl",
        "".join(json.dumps(r.as_dict(), ensure_ascii=False) + "\n" for r in result.removed),
    )
    golden(expected / f"{name}.meta.json", json.dumps(result.info.as_dict(), indent=1, ensure_ascii=False) + "\n")
