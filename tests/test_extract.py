"""Extraction: pages to documents, HTML paragraphs as blocks, prune_xpath from packs, time limits."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from cleaner import extract
from cleaner.document import Page
from cleaner.errors import InputError, RulePackError
from cleaner.extract import ExtractionTimeout, NoMainText, reset_extraction_caches, time_limit, to_document
from cleaner.rules import RuleSet, load_pack

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "inputs"

ARTICLE = """<!DOCTYPE html>
<html><head><title>Harbour reopens</title>
<link rel="canonical" href="https://news.example.com/harbour"></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav>
<article>
<h1>Harbour reopens after storm repairs</h1>
<p>The harbour reopened on Monday after three months of repairs to the sea wall, which was
breached in the January storm, the port authority said in a statement.</p>
<p>Fishing boats returned to the inner basin by noon, and the ferry service to the islands
will resume its summer timetable next week.<br>Officials thanked residents for their patience.</p>
<h2>What comes next</h2>
<ul><li>A second phase of work on the outer breakwater starts in the autumn.</li>
<li>The council will publish an inspection report before the end of the year.</li></ul>
<div class="promo"><p>Subscribe to our newsletter for the latest local news every morning.</p></div>
<p>Repairs cost about four million euros, most of it covered by a regional emergency fund.</p>
</article>
<footer><p>Copyright 2024 Example News. All rights reserved.</p></footer>
</body></html>"""


def html_page(content: str = ARTICLE, url: str | None = "https://news.example.com/harbour") -> Page:
    return Page(id="harbour", source="harbour.html", content=content, kind="html", url=url)


def pack_ruleset(tmp_path: Path, body: str) -> RuleSet:
    path = tmp_path / "pack.toml"
    path.write_text(body, encoding="utf-8")
    return RuleSet((load_pack(path),))


def test_text_page_is_one_block_per_line():
    page = Page(id="t", source="t.txt", content="Title\n\nBody.\r\n", url="https://e.com", metadata={"k": 1})
    doc = to_document(page, None)
    assert [(b.line, b.text) for b in doc.blocks] == [(1, "Title"), (3, "Body.")]  # CRLF: the \\r ends the line
    assert (doc.id, doc.source, doc.url, doc.metadata) == ("t", "t.txt", "https://e.com", {"k": 1})
    assert doc.text == page.content


def test_html_paragraphs_become_blocks():
    doc = to_document(html_page(), None, extractor="trafilatura")
    texts = [b.text for b in doc.blocks]
    assert doc.text == "\n".join(texts)
    assert [b.line for b in doc.blocks] == list(range(1, len(texts) + 1))
    assert any(t.startswith("The harbour reopened on Monday after three months") for t in texts)
    # a <br> splits a paragraph; list items are blocks of their own, without bullets
    assert "Officials thanked residents for their patience." in texts
    assert "A second phase of work on the outer breakwater starts in the autumn." in texts
    assert "What comes next" in texts
    assert not any(t.startswith(("- ", "* ", "|")) for t in texts)
    assert "Home" not in texts and not any("Copyright" in t for t in texts)
    # white space inside a paragraph is collapsed to single spaces
    assert all("  " not in t and "\n" not in t for t in texts)
    assert (doc.id, doc.source, doc.url) == ("harbour", "harbour.html", "https://news.example.com/harbour")


def test_spans_index_into_the_document_text():
    doc = to_document(html_page(), None)
    lines = doc.text.split("\n")
    assert all(lines[b.line - 1] == b.text for b in doc.blocks)


def test_prune_xpath_of_the_site_pack_is_applied(tmp_path: Path):
    plain = [b.text for b in to_document(html_page(), None).blocks]
    assert any("Subscribe to our newsletter" in t for t in plain)
    rules = pack_ruleset(
        tmp_path,
        '[pack]\nid = "example-news"\ndomains = ["news.example.com"]\nprune_xpath = ["//div[@class=\'promo\']"]\n',
    )
    pruned = [b.text for b in to_document(html_page(), rules).blocks]
    assert not any("Subscribe to our newsletter" in t for t in pruned)
    assert len(pruned) == len(plain) - 1
    other = [b.text for b in to_document(html_page(url="https://other.example.org/x"), rules).blocks]
    assert other == plain


def test_prune_xpath_for_a_page_without_url_uses_detect(tmp_path: Path):
    rules = pack_ruleset(
        tmp_path,
        '[pack]\nid = "example-news"\ndomains = ["news.example.com"]\n'
        "detect = ['harbour authority|port authority']\n"
        "prune_xpath = [\"//div[@class='promo']\"]\n",
    )
    texts = [b.text for b in to_document(html_page(url=None), rules).blocks]
    assert texts and not any("Subscribe" in t for t in texts)


def test_bad_prune_xpath_fails_when_the_pack_loads(tmp_path: Path):
    # issue 11: compiled at load (it used to pass `rules check` and then fail every HTML page)
    with pytest.raises(RulePackError, match="prune_xpath"):
        pack_ruleset(tmp_path, '[pack]\nid = "bad"\nprune_xpath = ["//div[@class="]\n')


def test_html_fragment_is_extracted():
    content = "<p>" + "A fragment of an article, long enough. " * 5 + "</p>"
    page = Page(id="f", source="r.jsonl", content=content, kind="html")
    doc = to_document(page, None)
    assert doc.blocks and doc.blocks[0].text.startswith("A fragment of an article")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Just a line of plain text, no markup at all.", "no markup"),
        ("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" + "\ufffd\x01\x02" * 200, "binary"),
        ("   \n", "empty"),
    ],
)
def test_not_html_raises_input_error(content: str, message: str):
    with pytest.raises(InputError, match=message) as info:
        to_document(html_page(content), None)
    assert info.value.source == "harbour.html"


def test_html_without_main_text():
    with pytest.raises(NoMainText):
        to_document(html_page("<html><head><title>x</title></head><body></body></html>"), None)


def test_timeout_becomes_an_input_error(monkeypatch):
    def slow(*args, **kwargs):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            pass
        raise AssertionError("not interrupted")

    monkeypatch.setattr("trafilatura.bare_extraction", slow)
    started = time.monotonic()
    with pytest.raises(InputError, match=r"extraction exceeded 0\.2 s"):
        to_document(html_page(), None, timeout=0.2, extractor="trafilatura")
    assert time.monotonic() - started < 2


def test_time_limit_restores_the_previous_handler_and_timer():
    import signal

    def outer(signum, frame):
        raise RuntimeError("outer alarm")

    previous = signal.signal(signal.SIGALRM, outer)
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        with time_limit(1):
            pass
        assert signal.getsignal(signal.SIGALRM) is outer
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25 < remaining <= 30
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_time_limit_raises_and_does_nothing_without_seconds():
    with pytest.raises(ExtractionTimeout), time_limit(0.05):
        time.sleep(1)
    with time_limit(None):
        time.sleep(0.01)


def test_time_limit_is_a_no_op_outside_the_main_thread():
    import threading

    errors = []

    def work():
        try:
            with time_limit(0.05):
                time.sleep(0.1)
        except BaseException as exc:  # noqa: BLE001 - the test reports anything raised
            errors.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert errors == []


def test_reset_extraction_caches_runs():
    to_document(html_page(), None)
    reset_extraction_caches()
    assert to_document(html_page(), None).blocks


def test_reset_extraction_caches_does_not_load_trafilatura():
    """A process that only ran the DOM extractor has no trafilatura caches to empty: resetting
    must not import trafilatura (about 0.3 CPU-s and its memory, every worker)."""
    code = (
        "import sys; from cleaner.extract import reset_extraction_caches as r; r();"
        " sys.exit('trafilatura' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_unknown_page_kind():
    with pytest.raises(InputError, match="unknown page kind"):
        to_document(Page(id="x", source="x", content="x", kind="pdf"), None)


def test_shipped_sample_page_extracts():
    page = Page(id="s", source="s", content=(FIXTURES / "html" / "article.html").read_text("utf-8"), kind="html")
    assert len(to_document(page, None).blocks) >= 3


def test_module_exports():
    assert set(extract.__all__) >= {"to_document", "time_limit", "reset_extraction_caches"}
