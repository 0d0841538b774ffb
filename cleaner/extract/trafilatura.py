"""The trafilatura extractor (``--extractor trafilatura``): today's path, kept as a choice.

trafilatura's main-text extraction runs on the page; the tree it returns is walked so that every
paragraph, heading, list item, quotation and table row becomes one block (a ``<br>`` inside a
paragraph starts a new one). No list bullets or table pipes are added, so the blocks read like a
text dump and the same rule packs apply. The blocks carry no markup features. Metadata comes from
trafilatura's `extract_metadata` (`metadata.from_trafilatura`).

Extraction settings were chosen on the dev set of news pages: comments off, tables on, neither
precision nor recall favoured (see `ExtractOptions`). trafilatura keeps module-level caches that
grow with the number of pages: `reset_extraction_caches()` empties them.
"""

from __future__ import annotations

import logging
import re
import sys
from dataclasses import dataclass
from typing import Any

from cleaner.document import Page, PageInfo
from cleaner.errors import InputError
from cleaner.extract.metadata import from_trafilatura

# trafilatura logs every page it discards; failures here become InputErrors instead.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)


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


def reset_extraction_caches() -> None:
    """Empty trafilatura's module-level caches (and run the garbage collector); call it every
    `RESET_EVERY` pages or between batches so a long run's memory stays flat. Nothing when this
    process never loaded trafilatura (the DOM extractor's): importing it only to empty it cost
    about 0.3 CPU-s and its modules' memory."""
    if "trafilatura" not in sys.modules:
        return
    from trafilatura.meta import reset_caches

    reset_caches()


def warm_up() -> None:
    """Run trafilatura once on a tiny page, so its one-off start-up cost (imports, lazily built
    tables: about 0.2 s) is not charged to the first real page's time limit."""
    html = "<html><body><p>Warm up.</p></body></html>"
    paragraphs(html, Page(id="warm-up", source="<warm-up>", content=html, kind="html"), (), DEFAULT_OPTIONS)


#: htmldate without its extensive search: that search runs dateparser, whose first call in a
#: process compiles the patterns of every locale (about 4 CPU-s), which made the first page with
#: a free-text date overrun the per-page time limit and be lost; the date still comes from the
#: page's metadata, JSON-LD, ``<time>`` and URL
_DATE_PARAMS = {"original_date": True, "extensive_search": False}


def paragraphs(
    html: str, page: Page, prune: tuple[str, ...], options: ExtractOptions
) -> tuple[list[str] | None, PageInfo]:
    """The main text's paragraphs (None when trafilatura finds none) and trafilatura's metadata,
    from one `bare_extraction` call. Raises InputError for a bad ``prune_xpath`` or a page
    trafilatura fails on."""
    import trafilatura
    from lxml.etree import XPathError

    try:
        result = trafilatura.bare_extraction(
            html,
            url=page.url,
            output_format="txt",
            with_metadata=True,
            include_comments=options.include_comments,
            include_tables=options.include_tables,
            include_images=False,
            include_links=False,
            include_formatting=False,
            favor_precision=options.favor_precision,
            favor_recall=options.favor_recall,
            deduplicate=False,
            prune_xpath=list(prune) or None,
            date_extraction_params=_DATE_PARAMS,
        )
    except XPathError as exc:
        raise InputError(page.source, f"bad prune_xpath in a rule pack ({exc}): {', '.join(prune)}") from None
    except (ValueError, TypeError, AttributeError) as exc:
        raise InputError(page.source, f"HTML extraction failed: {type(exc).__name__}: {exc}") from None
    if result is None:
        return None, PageInfo()
    info = from_trafilatura(result)
    body = getattr(result, "body", None)
    if body is None:
        return None, info
    return body_paragraphs(body), info


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
