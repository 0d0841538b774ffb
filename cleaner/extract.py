"""Extract: turn a `Page` into a `Document`, one block per paragraph.

A text dump becomes one block per non-blank line (`Document.from_text`). HTML
goes through trafilatura's main-text extraction; the tree it returns is walked
so that every paragraph, heading, list item, quotation and table row becomes
one line of `Document.text` and one block (``Block.line`` is that line's
number, i.e. the paragraph number; a ``<br>`` inside a paragraph starts a new
line). No list bullets or table pipes are added, so the blocks read like a
text dump and the same rule packs apply to both.

Site packs can name ``prune_xpath`` expressions: the packs chosen for the
page's URL (by `RuleSet.select`) give trafilatura the elements to drop before
it extracts. For a page without a URL, packs are chosen by their ``detect``
patterns on a first extraction, and the page is extracted again when a chosen
pack prunes.

Extraction settings were chosen on the dev set of news pages: comments off,
tables on, neither precision nor recall favoured (see `ExtractOptions`).

Trafilatura keeps module-level caches that grow with the number of pages; a
long-running worker calls `reset_extraction_caches()` every few hundred pages.
`time_limit` bounds the time one page may take (see its limits).
"""

from __future__ import annotations

import logging
import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cleaner.document import Document, Page
from cleaner.errors import InputError

if TYPE_CHECKING:
    from cleaner.rules import RuleSet

# trafilatura logs every page it discards; failures here become InputErrors instead.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

#: how many pages a worker extracts between two `reset_extraction_caches()` calls
RESET_EVERY = 500


@dataclass(frozen=True)
class ExtractOptions:
    """Trafilatura settings.

    On the 265 dev pages (token F1 of the extraction alone; trafilatura's defaults 0.926) comments
    off gives 0.939, tables off too 0.943, but tables off loses the article on pages laid out in
    tables (more pages below F1 0.5, and with `favor_precision` 32 pages come out empty) and
    scores lower after cleaning (0.929 vs 0.938 end to end): the pipeline's later stages remove
    boilerplate but cannot bring back lost text, so the defaults keep tables and favour neither.
    """

    include_tables: bool = True
    include_comments: bool = False
    favor_precision: bool = False
    favor_recall: bool = False


DEFAULT_OPTIONS = ExtractOptions()


class ExtractionTimeout(TimeoutError):
    """Raised inside a `time_limit` block when its time is up."""


class NoMainText(InputError):
    """The HTML parsed, but trafilatura found no main text in it (an empty page, a video page,
    a page made of links). The engine may count it as an error or keep an empty document."""


def to_document(
    page: Page,
    ruleset: RuleSet | None = None,
    *,
    timeout: float | None = None,
    options: ExtractOptions = DEFAULT_OPTIONS,
    site: str | None = None,
) -> Document:
    """Make the document a page holds: the dump's lines, or the paragraphs extracted from HTML.

    `ruleset` (a `cleaner.rules.RuleSet`) supplies the packs' ``prune_xpath`` (chosen by the URL, or
    by `site` when given); `timeout` (seconds)
    bounds an HTML extraction (see `time_limit`). Raises `InputError` when the page cannot be
    extracted (not HTML, no main text, timeout).

    >>> doc = to_document(Page(id="p", source="s", content="Title\\n\\nBody text."))
    >>> [(b.line, b.text) for b in doc.blocks]
    [(1, 'Title'), (3, 'Body text.')]
    """
    if page.kind == "text":
        return Document.from_text(page.content, id=page.id, source=page.source, url=page.url, metadata=page.metadata)
    if page.kind != "html":
        raise InputError(page.source, f"unknown page kind {page.kind!r} (expected 'text' or 'html')")
    try:
        with time_limit(timeout):
            paragraphs = _extract_html(page, ruleset, options, site)
    except ExtractionTimeout:
        raise InputError(page.source, f"extraction exceeded {timeout:g} s") from None
    text = "\n".join(paragraphs)
    return Document.from_text(text, id=page.id, source=page.source, url=page.url, metadata=page.metadata)


def reset_extraction_caches() -> None:
    """Empty trafilatura's module-level caches (and run the garbage collector); call it every
    `RESET_EVERY` pages or between batches so a long run's memory stays flat."""
    from trafilatura.meta import reset_caches

    reset_caches()


def warm_up() -> None:
    """Run trafilatura once on a tiny page, so its one-off start-up cost (imports, lazily built
    tables: about 0.2 s) is not charged to the first real page's time limit."""
    page = Page(id="warm-up", source="<warm-up>", content="<html><body><p>Warm up.</p></body></html>", kind="html")
    _paragraphs(page.content, page, (), DEFAULT_OPTIONS)


# --- time limit -------------------------------------------------------------------------------


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise `ExtractionTimeout` in the block when it runs longer than `seconds`.

    Uses ``SIGALRM`` via ``signal.setitimer(ITIMER_REAL)``, so it works only in the main thread
    of a process (a worker process's main thread is fine) on Unix; elsewhere, or with `seconds`
    None or <= 0, it does nothing. The signal is handled between Python bytecodes: a long call
    inside C code (an lxml parse of a huge page, a catastrophic regex in the `re` module) is
    interrupted only when it returns to Python. A timer already armed by the caller is restored
    afterwards with the time it has left (not nested-safe beyond that).

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


# --- HTML -------------------------------------------------------------------------------------

_MARKUP_RE = re.compile(r"<\s*[a-zA-Z!?/]")
_DOC_RE = re.compile(r"<\s*(html|body|head)\b", re.IGNORECASE)


def _extract_html(page: Page, ruleset: RuleSet | None, options: ExtractOptions, site: str | None = None) -> list[str]:
    html = page.content
    _check_markup(page)
    if not _DOC_RE.search(html, 0, 1 << 16):  # a fragment, e.g. a JSONL record's `html`
        html = f"<html><body>{html}</body></html>"
    probe = Document(id=page.id, source=page.source, text="", url=page.url, site=site)
    prune = _prune_xpaths(ruleset, probe)
    paragraphs = _paragraphs(html, page, prune, options)
    if not page.url and ruleset is not None and paragraphs is not None:
        probe.text = "\n".join(paragraphs)
        detected = _prune_xpaths(ruleset, probe)
        if detected != prune:
            paragraphs = _paragraphs(html, page, detected, options)
    if not paragraphs:
        raise NoMainText(page.source, "no main text found in the HTML")
    return paragraphs


def _check_markup(page: Page) -> None:
    head = page.content[:4096]
    if not head.strip():
        raise InputError(page.source, "not HTML: empty page")
    odd = sum(1 for ch in head if ch == "\ufffd" or (ch < " " and ch not in "\t\n\r\f"))
    if odd > len(head) // 20:
        raise InputError(page.source, "not HTML: binary content")
    if not _MARKUP_RE.search(page.content, 0, 1 << 16):
        raise InputError(page.source, "not HTML: no markup found")


def _prune_xpaths(ruleset: RuleSet | None, probe: Document) -> tuple[str, ...]:
    if ruleset is None:
        return ()
    xpaths: dict[str, None] = {}
    for pack in ruleset.select(probe):
        for xpath in getattr(pack, "prune_xpath", ()):
            xpaths[xpath] = None
    return tuple(xpaths)


def _paragraphs(html: str, page: Page, prune: tuple[str, ...], options: ExtractOptions) -> list[str] | None:
    import trafilatura
    from lxml.etree import XPathError

    try:
        result = trafilatura.bare_extraction(
            html,
            url=page.url,
            output_format="txt",
            with_metadata=False,
            include_comments=options.include_comments,
            include_tables=options.include_tables,
            include_images=False,
            include_links=False,
            include_formatting=False,
            favor_precision=options.favor_precision,
            favor_recall=options.favor_recall,
            deduplicate=False,
            prune_xpath=list(prune) or None,
        )
    except XPathError as exc:
        raise InputError(page.source, f"bad prune_xpath in a rule pack ({exc}): {', '.join(prune)}") from None
    except (ValueError, TypeError, AttributeError) as exc:
        raise InputError(page.source, f"HTML extraction failed: {type(exc).__name__}: {exc}") from None
    body = getattr(result, "body", None)
    if body is None:
        return None
    return body_paragraphs(body)


# Elements of trafilatura's output tree that start a new paragraph.
_BLOCK_TAGS = frozenset({"p", "head", "list", "item", "quote", "code", "table", "row", "cell", "div"})
_SKIP_TAGS = frozenset({"graphic", "fig", "figure", "note"})
_SPACE_RE = re.compile(r"[^\S\n]+")


def body_paragraphs(body: Any) -> list[str]:
    """The paragraphs of trafilatura's output tree, in document order.

    Each ``p``, ``head``, list ``item``, ``quote`` and ``code`` element gives its own paragraph
    (text inside it that surrounds a nested block is a paragraph of its own); a table row whose
    cells hold only inline text gives one paragraph with the cells separated by a tab, other rows
    give a paragraph per cell content. ``lb`` starts a new line. White space inside a line is
    collapsed; empty lines are dropped.
    """
    lines: list[str] = []
    _walk(body, lines)
    return lines


def _walk(element: Any, lines: list[str]) -> None:
    if element.tag == "table":
        for row in element:
            if row.tag == "row" and all(_is_inline(cell) for cell in row):
                _emit("\t".join(_inline_text(cell).strip() for cell in row if _inline_text(cell).strip()), lines)
            else:
                _walk(row, lines)
        return
    parts: list[str] = [element.text or ""]
    for child in element:
        if child.tag in _SKIP_TAGS:
            pass
        elif child.tag in _BLOCK_TAGS:
            _emit("".join(parts), lines)
            parts = []
            _walk(child, lines)
        elif child.tag == "lb":
            parts.append("\n")
        else:
            parts.append(_inline_text(child))
        parts.append(child.tail or "")
    _emit("".join(parts), lines)


def _is_inline(element: Any) -> bool:
    return not any(child.tag in _BLOCK_TAGS for child in element.iterdescendants())


def _inline_text(element: Any) -> str:
    if element.tag == "lb":
        return "\n"
    parts = [element.text or ""]
    for child in element:
        if child.tag not in _SKIP_TAGS:
            parts.append(_inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _emit(text: str, lines: list[str]) -> None:
    for line in text.split("\n"):
        line = _SPACE_RE.sub(" ", line).strip()
        if line:
            lines.append(line)


__all__ = [
    "DEFAULT_OPTIONS",
    "RESET_EVERY",
    "ExtractOptions",
    "ExtractionTimeout",
    "NoMainText",
    "body_paragraphs",
    "reset_extraction_caches",
    "time_limit",
    "to_document",
]
