"""The systems the benchmarks compare, each as a function of one page.

A system is `(name, input, make)`: `input` is "dump" (the page's visible text,
one block per line) or "html"; `make()` loads what the system needs once and
returns `fn(content, url) -> str`, the text it keeps. A system whose package
is not installed is reported as unavailable, never silently dropped.

Used by `quality.py` (per page, against gold text) and `throughput.py`
(its `--run-system` worker mode, one system per subprocess).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

CleanFn = Callable[[str, "str | None"], str]

# What C4 and Gopher count as the end of a sentence (closing quotes allowed after it).
_TERMINAL = (".", "!", "?", '"', "'", "”", "’")


@dataclass(frozen=True)
class System:
    name: str
    input: str  # "dump" or "html"
    make: Callable[[], CleanFn]
    needs: tuple[str, ...] = ()  # importable module names

    def available(self) -> bool:
        return all(importlib.util.find_spec(module) is not None for module in self.needs)

    def missing(self) -> list[str]:
        return [module for module in self.needs if importlib.util.find_spec(module) is None]


def _raw() -> CleanFn:
    return lambda text, url=None: text


def line_filter_keep(line: str) -> bool:
    """The C4/Gopher-style line rule: ends in terminal punctuation and has at least 3 words."""
    line = line.strip()
    return line.endswith(_TERMINAL) and len(line.split()) >= 3


def _line_filter() -> CleanFn:
    def run(text: str, url: str | None = None) -> str:
        return "\n".join(line for line in text.split("\n") if line_filter_keep(line))

    return run


def _datatrove(steps: str) -> Callable[[], CleanFn]:
    """datatrove's own filters on the dump: `c4` (line filtering + its document rules) or the
    FineWeb-order chain `gopher+c4` (Gopher repetition, Gopher quality, then C4). A document a
    filter drops keeps nothing (empty text), as in a datatrove pipeline."""

    def make() -> CleanFn:
        import logging

        from datatrove.data import Document
        from datatrove.pipeline.filters import C4QualityFilter, GopherQualityFilter, GopherRepetitionFilter

        logging.getLogger("datatrove").setLevel(logging.ERROR)
        chain = [C4QualityFilter()]
        if steps == "gopher+c4":
            chain = [GopherRepetitionFilter(), GopherQualityFilter(), *chain]

        def run(text: str, url: str | None = None) -> str:
            doc = Document(text=text, id="page")
            for step in chain:
                verdict = step.filter(doc)
                if verdict is not True and not (isinstance(verdict, tuple) and verdict[0]):
                    return ""
            return doc.text

        return run

    return make


def _justext() -> CleanFn:
    import justext

    stoplist = justext.get_stoplist("English")

    def run(html: str, url: str | None = None) -> str:
        paragraphs = justext.justext(html.encode("utf-8"), stoplist, encoding="utf-8")
        return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)

    return run


def _trafilatura() -> CleanFn:
    import trafilatura

    def run(html: str, url: str | None = None) -> str:
        return trafilatura.extract(html, url=url) or ""

    return run


def _resiliparse() -> CleanFn:
    from resiliparse.extract.html2text import extract_plain_text

    return lambda html, url=None: extract_plain_text(html, main_content=True) or ""


def _cleaner_dump() -> CleanFn:
    import cleaner

    return lambda text, url=None: cleaner.clean_text(text, url=url).text


def _cleaner_html(extractor: str) -> Callable[[], CleanFn]:
    """cleaner's HTML path as the engine runs it: `Pipeline.document` (the chosen extractor, the
    packs' XPath pruning, the extraction watchdog), then the per-document stages."""

    def make() -> CleanFn:
        from cleaner.config import Config
        from cleaner.document import Page
        from cleaner.pipeline import Pipeline

        pipeline = Pipeline.from_config(Config(extractor=extractor))

        def run(html: str, url: str | None = None) -> str:
            page = Page(id="page", source="<html>", content=html, kind="html", url=url)
            return pipeline.clean(pipeline.document(page)).text

        return run

    return make


SYSTEMS: list[System] = [
    System("nothing removed", "dump", _raw),
    System("line filter (terminal punct. & ≥3 words)", "dump", _line_filter),
    System("datatrove C4QualityFilter", "dump", _datatrove("c4"), ("datatrove", "spacy")),
    System("datatrove Gopher rep.+quality, C4", "dump", _datatrove("gopher+c4"), ("datatrove", "spacy")),
    System("cleaner clean_text", "dump", _cleaner_dump, ("cleaner",)),
    System("jusText (English)", "html", _justext, ("justext",)),
    System("resiliparse main_content", "html", _resiliparse, ("resiliparse",)),
    System("trafilatura extract()", "html", _trafilatura, ("trafilatura",)),
    System("cleaner HTML (dom extractor + stages)", "html", _cleaner_html("dom"), ("cleaner", "cleaner.extract")),
    System(
        "cleaner HTML --extractor trafilatura", "html", _cleaner_html("trafilatura"), ("cleaner", "cleaner.extract")
    ),
]


def by_name(name: str) -> System:
    for system in SYSTEMS:
        if system.name == name:
            return system
    raise KeyError(name)
