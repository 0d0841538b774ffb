"""One document through the stages: site packs, rules, heuristics, language, repeats.

Every stage is a function of one document that returns removals; the pipeline
records them in order. Rule packs and the repeat index are loaded once, when
the pipeline is built, never per document.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cleaner import heuristics, language, rules
from cleaner.config import Config
from cleaner.document import Document, Page, Result
from cleaner.heuristics.widgets import page_info

if TYPE_CHECKING:
    from cleaner.dedup import CorpusIndex

MAX_ROUNDS = 8


@dataclass
class Pipeline:
    """The per-document stages with what they need loaded; picklable so pools can ship it."""

    config: Config
    ruleset: rules.RuleSet
    index: CorpusIndex | None = None
    _extracted: int = field(default=0, repr=False, compare=False)
    _guard: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_config(
        cls, config: Config, index: CorpusIndex | None = None, ruleset: rules.RuleSet | None = None
    ) -> Pipeline:
        """Build the pipeline; the rule packs are loaded here unless an already loaded `ruleset` is given.
        The settings are taken as given: `cleaner.config.check_config` validates them once, at start-up."""
        ruleset = ruleset if ruleset is not None else rules.load_ruleset(config.rules)
        return cls(config, ruleset, index)

    def document(self, page: Page, *, site: str | None = None) -> Document:
        """The document a page holds: a text dump's lines, or the paragraphs extracted from HTML.

        The one way from page to document (clean, explain, the Python API and every engine's
        workers): `site` (or the page's URL) chooses the packs whose ``prune_xpath`` extraction
        applies; an HTML page with no main text is an empty document, not an error; the first
        HTML page warms the extractor up outside the per-page time limit; extraction caches are
        emptied every `RESET_EVERY` pages. With a time limit (``--extract-timeout``), HTML is
        extracted by this process's `Watchdog` child, which is killed and replaced when a page
        hangs. Raises InputError for a page that cannot be extracted.
        """
        from cleaner.extract import NoMainText

        started = time.perf_counter()
        try:
            doc = self._extract(page, site)
        except NoMainText:
            doc = Document.from_text("", id=page.id, source=page.source, url=page.url, metadata=page.metadata)
        doc.seconds["extract"] = time.perf_counter() - started
        if site is not None:
            doc.site = site
        doc.folder = page.folder
        return doc

    def _extract(self, page: Page, site: str | None) -> Document:
        """`to_document` in this process, or in the watchdog's child when HTML has a time limit."""
        from cleaner.extract import RESET_EVERY, reset_extraction_caches, to_document, warm_up

        if page.kind == "html" and self.config.extract_timeout > 0:
            return self._watchdog().document(page, site=site)
        if page.kind == "html":
            if self._extracted == 0:
                warm_up(self.config.extractor)
            self._extracted += 1
            if self._extracted % RESET_EVERY == 0:
                reset_extraction_caches()
        return to_document(
            page, self.ruleset, timeout=self.config.extract_timeout, site=site, extractor=self.config.extractor
        )

    def _watchdog(self):
        from cleaner.extract.watchdog import Watchdog

        if self._guard is None:
            self._guard = Watchdog(self.ruleset, self.config.extract_timeout, extractor=self.config.extractor)
        return self._guard

    def close(self) -> None:
        """Stop this process's extraction watchdog child, if one was started."""
        if self._guard is not None:
            self._guard.close()
            self._guard = None

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_guard": None}  # a watchdog's child process belongs to its process

    def run(self, doc: Document) -> Document:
        """Apply every enabled stage to `doc` (in place) and return it."""
        return self.apply_corpus(self.run_document_stages(doc))

    def run_document_stages(self, doc: Document) -> Document:
        """Rules, heuristics and language: everything that needs only the page itself.

        The stages run again on the clean text until they remove nothing more:
        context heuristics see new neighbours once junk is gone, and this fixpoint
        is what makes `clean(clean(x)) == clean(x)`. Packs are chosen once, from
        the original page.
        """
        packs = self.ruleset.select(doc)
        doc.packs = tuple(p.id for p in packs)
        if doc.site is None and packs:
            doc.site = next((p.site for p in packs if p.site), None)
        self._document_stages(doc, packs, doc.seconds)
        for _ in range(MAX_ROUNDS):
            view, origin = doc.kept_view()
            self._document_stages(view, packs, doc.seconds)
            doc.lang = view.lang
            doc.headline = None if view.headline is None else origin[view.headline][0]
            if not doc.add_from_view(view.removals, origin):
                break
        if doc.info is None:  # a dump: what its headline, byline and dateline say
            doc.info = page_info(doc)
        return doc

    def apply_corpus(self, doc: Document) -> Document:
        """The corpus stage, when an index is loaded: repeated blocks and duplicate flags."""
        if self.index is not None and self.config.repeats_on:
            started = time.perf_counter()
            self._repeats(doc)
            doc.seconds["repeats"] = doc.seconds.get("repeats", 0.0) + time.perf_counter() - started
        return doc

    def _document_stages(self, doc: Document, packs: list[rules.RulePack], seconds: dict[str, float]) -> None:
        """The per-page stages once; the time of each is added to `seconds` (run statistics)."""
        disabled = set(self.config.disable)
        t0 = time.perf_counter()
        removals, protected = rules.apply_packs(packs, doc)
        doc.protected |= protected
        doc.add(removals)
        t1 = time.perf_counter()
        doc.add(heuristics.find_removals(doc, disabled=disabled))
        t2 = time.perf_counter()
        if self.config.language_on:
            doc.lang, removals = language.find_removals(doc)
            doc.add(removals)
        t3 = time.perf_counter()
        for stage, spent in (("rules", t1 - t0), ("heuristics", t2 - t1), ("language", t3 - t2)):
            seconds[stage] = seconds.get(stage, 0.0) + spent

    def _repeats(self, doc: Document) -> None:
        """Remove corpus repeats and flag duplicates; a page the index has not seen is looked up
        against it (streaming mode) and, if it duplicates an indexed page, ranks after it."""
        assert self.index is not None
        if doc.id in self.index:
            doc.add(self.index.find_removals(doc))
            dup = self.index.duplicate(doc.id)
            if dup is not None:
                doc.dup_cluster, doc.dup_rank = dup
            return
        page = self.index.lookup_new(doc)
        doc.add(page.removals)
        if page.dup_cluster is not None:
            doc.dup_cluster, doc.dup_rank = page.dup_cluster, 1

    def clean(self, doc: Document) -> Result:
        return Result.of(self.run(doc))
