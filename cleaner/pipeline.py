"""One document through the stages: site packs, rules, heuristics, language, repeats.

Every stage is a function of one document that returns removals; the pipeline
records them in order. Rule packs and the repeat index are loaded once, when
the pipeline is built, never per document.
"""

from __future__ import annotations

from dataclasses import dataclass

from cleaner import heuristics, language, rules
from cleaner.config import Config
from cleaner.document import Document, Result


@dataclass
class Pipeline:
    """The per-document stages with what they need loaded; picklable so pools can ship it."""

    config: Config
    ruleset: rules.RuleSet
    index: object | None = None

    @classmethod
    def from_config(cls, config: Config, index: object | None = None) -> Pipeline:
        ruleset = rules.load_ruleset(config.rules)
        heuristics.check_names(config.disable)
        return cls(config, ruleset, index)

    def run(self, doc: Document) -> Document:
        """Apply every enabled stage to `doc` (in place) and return it."""
        disabled = set(self.config.disable)
        packs = self.ruleset.select(doc)
        doc.packs = tuple(p.id for p in packs)
        if doc.site is None and packs:
            doc.site = next((p.site for p in packs if p.site), None)
        removals, protected = rules.apply_packs(packs, doc)
        doc.protected |= protected
        doc.add(removals)
        doc.add(heuristics.find_removals(doc, disabled=disabled))
        if self.config.language and "language" not in disabled:
            doc.lang, removals = language.find_removals(doc)
            doc.add(removals)
        if self.index is not None and self.config.repeats and "repeats" not in disabled:
            doc.add(self.index.find_removals(doc))
        return doc

    def clean(self, doc: Document) -> Result:
        return Result.of(self.run(doc))
