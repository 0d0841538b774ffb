"""Extract: turn a `Page` into a `Document`, one block per paragraph.

A text dump becomes one block per non-blank line (`Document.from_text`). HTML goes through one
of two extractors (`EXTRACTORS`, the ``--extractor`` setting):

* ``dom`` (the default, `dom`): one lxml parse and walk; every paragraph-level element
  of the page becomes a block carrying its `Markup` (tag, heading level, list/table membership,
  depth, link density, boilerplate tokens of its ancestors, whether it is inside the article
  container), which the markup-aware heuristics read; nothing is dropped here but scripts,
  styles and form controls. Title, author, date and site name come from the same parse
  (`metadata.page_info`).
* ``trafilatura`` (`trafilatura`): trafilatura's main text, its paragraphs as
  blocks without markup, and trafilatura's metadata.

Site packs can name ``prune_xpath`` expressions (chosen by the page's URL or `site`, or for a
page with neither by their ``detect`` patterns on a first extraction). trafilatura takes them
itself; for the DOM extractor, a page whose packs prune is first parsed with lxml, the matching
elements removed and the rest serialised again (`prune_html`): one extra parse only for those
pages, and the packs' XPath keeps working unchanged.

`time_limit` bounds a page's time in Python code; `watchdog` bounds it whatever the page does,
by extracting in a child process that can be killed.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cleaner.document import Document, Page
from cleaner.errors import InputError
from cleaner.extract.trafilatura import DEFAULT_OPTIONS, ExtractOptions, body_paragraphs

#: the HTML extractors, the ``--extractor`` choices (the first is the default)
EXTRACTORS = ("dom", "trafilatura")
#: how many pages a worker extracts between two `reset_extraction_caches()` calls
RESET_EVERY = 500
#: lxml's parser gives up below this nesting depth (libxml2's limit without XML_PARSE_HUGE)
LXML_MAX_DEPTH = 255


class ExtractionTimeout(TimeoutError):
    """Raised inside a `time_limit` block when its time is up."""


class NoMainText(InputError):
    """The HTML parsed, but no main text was found in it (an empty page, a video page, a page
    made of links). The engine may count it as an error or keep an empty document."""


def to_document(
    page: Page,
    ruleset: Any = None,
    *,
    timeout: float | None = None,
    options: ExtractOptions = DEFAULT_OPTIONS,
    site: str | None = None,
    extractor: str = EXTRACTORS[0],
) -> Document:
    """Make the document a page holds: the dump's lines, or the blocks extracted from HTML.

    `ruleset` (a `cleaner.rules.RuleSet`) supplies the packs' ``prune_xpath`` (chosen by the URL,
    or by `site` when given); `timeout` (seconds) bounds an HTML extraction in this process (see
    `time_limit`; `watchdog` for a bound that holds inside C code too); `extractor` is one of
    `EXTRACTORS`. Raises `InputError` when the page cannot be extracted (not HTML, no main text,
    timeout, nested too deep for the trafilatura extractor).

    >>> doc = to_document(Page(id="p", source="s", content="Title\\n\\nBody text."))
    >>> [(b.line, b.text) for b in doc.blocks]
    [(1, 'Title'), (3, 'Body text.')]
    >>> html = "<html><head><title>T</title></head><body><nav><a href='/'>Home</a></nav><p>Body.</p></body></html>"
    >>> doc = to_document(Page(id="p", source="s", content=html, kind="html"))
    >>> [(b.text, b.markup.tag, b.markup.tokens) for b in doc.blocks], doc.info.title
    ([('Home', 'nav', ('nav',)), ('Body.', 'p', ())], 'T')
    """
    if page.kind == "text":
        return Document.from_text(page.content, id=page.id, source=page.source, url=page.url, metadata=page.metadata)
    if page.kind != "html":
        raise InputError(page.source, f"unknown page kind {page.kind!r} (expected 'text' or 'html')")
    if extractor not in EXTRACTORS:
        raise InputError(page.source, f"unknown extractor {extractor!r} (expected one of {', '.join(EXTRACTORS)})")
    try:
        with time_limit(timeout):
            if extractor == "trafilatura":
                return _trafilatura_document(page, ruleset, options, site)
            return _dom_document(page, ruleset, site)
    except ExtractionTimeout:
        raise InputError(page.source, f"extraction exceeded {timeout:g} s") from None
    except RecursionError:
        raise InputError(page.source, "HTML extraction failed: nested too deep") from None


def reset_extraction_caches() -> None:
    """Empty trafilatura's module-level caches (and run the garbage collector); call it every
    `RESET_EVERY` pages or between batches so a long run's memory stays flat. The DOM extractor
    keeps no caches."""
    from cleaner.extract.trafilatura import reset_extraction_caches as reset

    reset()


def warm_up(extractor: str = EXTRACTORS[0]) -> None:
    """Extract a tiny page once, so one-off start-up costs (imports, lazily built tables) are not
    charged to the first real page's time limit."""
    html = "<html><body><p>Warm up.</p></body></html>"
    to_document(Page(id="warm-up", source="<warm-up>", content=html, kind="html"), extractor=extractor)


# --- the two extractors ------------------------------------------------------------------------


def _dom_document(page: Page, ruleset: Any, site: str | None) -> Document:
    from cleaner.extract import dom, metadata

    html = _checked_html(page)
    probe = Document(id=page.id, source=page.source, text="", url=page.url, site=site)
    prune = _prune_xpaths(ruleset, probe)
    found = dom.walk(prune_html(html, prune, page.source) if prune else html)
    blocks = dom.blocks_of(found)
    if not page.url and site is None and ruleset is not None and blocks:
        probe.text = "\n".join([b.text for b in blocks])
        detected = _prune_xpaths(ruleset, probe)
        if detected != prune:
            found = dom.walk(prune_html(html, detected, page.source) if detected else html)
            blocks = dom.blocks_of(found)
    if not blocks:
        raise NoMainText(page.source, "no text found in the HTML")
    return Document.from_text(
        "\n".join([b.text for b in blocks]),
        id=page.id,
        source=page.source,
        url=page.url,
        metadata=page.metadata,
        blocks=blocks,
        info=metadata.page_info(found),
    )


def _trafilatura_document(page: Page, ruleset: Any, options: ExtractOptions, site: str | None) -> Document:
    from cleaner.extract.trafilatura import paragraphs

    html = _checked_html(page)
    probe = Document(id=page.id, source=page.source, text="", url=page.url, site=site)
    prune = _prune_xpaths(ruleset, probe)
    lines, info = paragraphs(html, page, prune, options)
    if not page.url and site is None and ruleset is not None and lines is not None:
        probe.text = "\n".join(lines)
        detected = _prune_xpaths(ruleset, probe)
        if detected != prune:
            lines, info = paragraphs(html, page, detected, options)
    if not lines:
        depth = nesting_depth(html)
        if depth > LXML_MAX_DEPTH:
            raise InputError(
                page.source,
                f"HTML nested {depth} levels deep: trafilatura's parser (lxml) stops at {LXML_MAX_DEPTH};"
                " the dom extractor reads it (--extractor dom)",
            )
        raise NoMainText(page.source, "no main text found in the HTML")
    return Document.from_text(
        "\n".join(lines), id=page.id, source=page.source, url=page.url, metadata=page.metadata, info=info
    )


def nesting_depth(html: str) -> int:
    """How deep the page's elements nest (the DOM walk reads any depth)."""
    from cleaner.extract.dom import walk

    return walk(html).max_depth


# --- shared checks and pruning -------------------------------------------------------------------

_MARKUP_RE = re.compile(r"<\s*[a-zA-Z!?/]")
_DOC_RE = re.compile(r"<\s*(html|body|head)\b", re.IGNORECASE)
#: replacement characters and control characters other than white space: signs of binary content
_ODD_CHARS = re.compile("[\ufffd\x00-\x08\x0b\x0e-\x1f]")


def _checked_html(page: Page) -> str:
    """The page's markup, wrapped in ``<html><body>`` when it is a fragment (a JSONL record's
    `html`); InputError when it is empty, binary or has no markup."""
    head = page.content[:4096]
    if not head.strip():
        raise InputError(page.source, "not HTML: empty page")
    odd = len(_ODD_CHARS.findall(head))
    if odd > len(head) // 20:
        raise InputError(page.source, "not HTML: binary content")
    if not _MARKUP_RE.search(page.content, 0, 1 << 16):
        raise InputError(page.source, "not HTML: no markup found")
    if not _DOC_RE.search(page.content, 0, 1 << 16):
        return f"<html><body>{page.content}</body></html>"
    return page.content


def _prune_xpaths(ruleset: Any, probe: Document) -> tuple[str, ...]:
    if ruleset is None:
        return ()
    xpaths: dict[str, None] = {}
    for pack in ruleset.select(probe):
        for xpath in getattr(pack, "prune_xpath", ()):
            xpaths[xpath] = None
    return tuple(xpaths)


def prune_html(html: str, xpaths: tuple[str, ...], source: str) -> str:
    """`html` without the elements the packs' ``prune_xpath`` expressions select (lxml parse,
    removal, serialisation), for the DOM extractor. A removed element's tail text stays."""
    import lxml.html
    from lxml.etree import ParserError, XPathError

    try:
        root = lxml.html.document_fromstring(html)
    except (ParserError, ValueError) as exc:
        raise InputError(source, f"HTML extraction failed: {exc}") from None
    try:
        found = [element for xpath in xpaths for element in root.xpath(xpath)]
    except XPathError as exc:
        raise InputError(source, f"bad prune_xpath in a rule pack ({exc}): {', '.join(xpaths)}") from None
    for element in found:
        if hasattr(element, "drop_tree") and element.getparent() is not None:
            element.drop_tree()
    return lxml.html.tostring(root, encoding="unicode")


# --- time limit -------------------------------------------------------------------------------


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise `ExtractionTimeout` in the block when it runs longer than `seconds`.

    Uses ``SIGALRM`` via ``signal.setitimer(ITIMER_REAL)``, so it works only in the main thread
    of a process (a worker process's main thread is fine) on Unix; elsewhere, or with `seconds`
    None or <= 0, it does nothing. The signal is handled between Python bytecodes: a long call
    inside C code (an lxml parse of a huge page, a catastrophic regex in the `re` module) is
    interrupted only when it returns to Python (`watchdog` kills such a page's process). A timer
    already armed by the caller is restored afterwards with the time it has left (not
    nested-safe beyond that).

    >>> with time_limit(1.0):
    ...     pass
    """
    usable = (
        seconds is not None
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    assert seconds is not None

    def on_alarm(signum, frame):
        raise ExtractionTimeout(f"exceeded {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    started = time.monotonic()
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer > 0:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - started), 1e-3))


__all__ = [
    "DEFAULT_OPTIONS",
    "EXTRACTORS",
    "RESET_EVERY",
    "ExtractOptions",
    "ExtractionTimeout",
    "NoMainText",
    "body_paragraphs",
    "nesting_depth",
    "prune_html",
    "reset_extraction_caches",
    "time_limit",
    "to_document",
    "warm_up",
]
