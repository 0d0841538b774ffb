"""The compiled DOM walk and block loops (cleaner/extract/_walk.pyx) against the Python they mirror
(`dom.walk_tree`, `dom.word_counts`, `dom.markup_blocks`): the same `Walk`, word counts and blocks on the
shipped HTML, on handmade edge cases and on generated pages; and the install under test did build
them, so the fast path is the one these tests and CI run."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from cleaner.extract import dom

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "fixtures").rglob("*.html"))

EDGE_CASES = {
    "empty body": "<html><body></body></html>",
    "white space only": "<html><body>  \n\t </body></html>",
    "text at the root": "plain words, no markup at all",
    "pre with links": "<pre>one\n<a href='/x'>two\nthree</a> four\nfive</pre><p>after</p>",
    "br and hr": "<p>line one<br>line two<hr>line three<br/><br/>end</p>",
    "deep nesting": "<div>" * 3000 + "deep text" + "</div>" * 3000,
    "deep inline nesting": "<p>" + "<span>" * 2000 + "inside" + "</span>" * 2000 + " tail</p>",
    "comments and PIs": "<p>a <!-- hidden --> b <?php echo 1; ?> c</p><!-- end -->tail",
    "CDATA": "<p>x <![CDATA[ y ]]> z</p>",
    "namespaced tags": "<div><fb:like href='x'>liked</fb:like> <og:thing>t</og:thing> after</div>",
    "duplicate attributes": "<div class='related' class='story' id='a' id='b' role='nav'>text</div>",
    "empty attributes": "<div class id role>text</div><p class=''>x</p>",
    "entities in attributes": "<div class='a &amp; related &#x41;'>text</div>",
    "head metadata": (
        "<html><head><title>The title</title><meta name='author' content='A. Writer'>"
        "<meta property='og:site_name' content='Site'><script type='application/ld+json'>{\"a\": 1}</script>"
        "<script>var x = 1;</script><style>p {}</style></head><body><p>text</p></body></html>"
    ),
    "metadata in the body": (
        "<body><title>late</title><meta itemprop='datePublished' content='2020-01-01'>"
        "<time datetime='2021-02-03'>Feb 3</time><span itemprop='author'>Someone</span>"
        "<a itemprop='author' href='/a'>Linked</a><div itemprop='articleBody'><p>body</p></div>"
        "<p itemprop='headline'>Head</p></body>"
    ),
    "section subheadings": (
        "<div><p>story</p><h3 class='related-posts-title'>Related</h3><ul><li><a href='/1'>one</a></li></ul>"
        "<h2 id='comments'>Comments</h2><p>first comment</p></div><h1 class='related'>Headline</h1>"
    ),
    "skipped elements": (
        "<p>before<script>ignored()</script> mid<noscript>no</noscript><svg><text>s</text></svg>"
        "<select><option>o</option></select> after</p>"
    ),
    "tables and lists": (
        "<table><tr><th>h</th><td>cell <b>bold</b></td></tr></table><ol><li>one<ul><li>nested</li></ul></li></ol>"
        "<dl><dt>term</dt><dd>definition</dd></dl>"
    ),
    "tokens": (
        "<nav><a href='/'>Home</a></nav><aside class='sidebar widget'><p>side</p></aside>"
        "<footer id='site-footer'><form><p>sign up</p></form></footer><figure><figcaption>cap</figcaption></figure>"
    ),
    "non-ASCII text": "<p>Überschrift — “quoted” 日本語のテキスト \u00a0nbsp and emoji 🙂</p>",
    "unclosed markup": "<div><p>open <b>bold <i>italic<p>next<li>item<td>cell",
}


def parsed(html: str):
    try:
        return etree.fromstring(html.encode("utf-8", "replace"), parser=dom._parser())
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None


def walks(html: str) -> tuple[dom.Walk, dom.Walk]:
    """The Python walk's and the compiled walk's `Walk` of one parsed page."""
    from cleaner.extract._walk import walk_root

    root = parsed(html)
    python, compiled = dom.Walk(), dom.Walk()
    if root is not None:
        dom.walk_tree(root, python)
        walk_root(root, compiled)
    return python, compiled


def assert_same(html: str) -> None:
    """The compiled walk, word counts and blocks equal the Python ones on `html`."""
    from cleaner.extract import _walk

    python, compiled = walks(html)
    assert compiled == python  # a dataclass: every field (raws, candidates, parents, metadata, depth)
    counts = dom.word_counts(python)
    assert _walk.word_counts(compiled) == counts
    assert compiled.first_raw == python.first_raw  # word_counts fills it
    container = dom.choose_container(counts, python.candidates, threads=dom.comment_threads(python))
    assert _walk.markup_blocks(compiled, counts, container) == dom.markup_blocks(python, counts, container)


def test_the_install_built_the_compiled_walk(capsys):
    from cleaner.cli import main
    from cleaner.extract import _walk

    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip().endswith("(HTML walk compiled)")
    assert dom.compiled()

    for name, python in [
        ("walk_root", dom.walk_tree),
        ("word_counts", dom.word_counts),
        ("markup_blocks", dom.markup_blocks),
    ]:
        assert dom._compiled(name, python) is getattr(_walk, name), (
            "cleaner/extract/_walk.pyx is not built: pip install -e ."
        )


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_same_walk_on_edge_cases(name):
    assert_same(EDGE_CASES[name])


def test_edge_cases_are_not_empty():
    python, _ = walks(EDGE_CASES["section subheadings"])
    assert python.raws and python.candidates
    blocks = dom.blocks_of(python)
    assert [b.text for b in blocks] == [r[0] for r in python.raws]
    assert any(b.markup.tokens for b in blocks)
    python, _ = walks(EDGE_CASES["head metadata"])
    assert python.title == "The title" and python.metas and python.json_ld


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_same_walk_on_shipped_pages(path):
    html = path.read_text(encoding="utf-8", errors="replace")
    assert_same(html)
    assert_same(html[: len(html) // 2])  # cut mid-page, as truncated records are


def test_walk_uses_the_compiled_walk_and_matches_it():
    html = (ROOT / "fixtures" / "html" / "recipe.html").read_text(encoding="utf-8")
    python, _ = walks(html)
    assert dom.walk(html) == python
    blocks = dom.blocks_of(dom.walk(html))
    counts = dom.word_counts(python)
    container = dom.choose_container(counts, python.candidates, threads=dom.comment_threads(python))
    assert container is not None and any(b.markup.in_article for b in blocks)
    assert blocks == dom.markup_blocks(python, counts, container)


_TAGS = ["div", "p", "span", "a", "li", "ul", "h2", "h3", "pre", "br", "table", "td", "nav", "script", "b", "time"]
_ATTRS = ["", " class='related'", " id='main-content'", " role='navigation'", " class='share ad'", " itemprop='author'"]
_TEXT = st.text(alphabet=st.sampled_from("ab \n\t.é日<>&;"), max_size=12)


@st.composite
def html_pages(draw, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 6 and draw(st.booleans()):
            tag = draw(st.sampled_from(_TAGS))
            inner = draw(html_pages(depth + 1))
            closing = "" if draw(st.integers(0, 5)) == 0 else f"</{tag}>"
            parts.append(f"<{tag}{draw(st.sampled_from(_ATTRS))}>{inner}{closing}")
        else:
            parts.append(draw(_TEXT))
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(html_pages())
def test_same_walk_on_generated_pages(html):
    assert_same(html)
