"""Generic heuristics: small named classifiers over a document's blocks.

The rule packs have already run when the heuristics see a document: their
removals are on the `Document`, and `doc.protected` names the blocks that a
`keep` rule protects (never removed here). Each heuristic is a function of a
`View` (the document plus per-block features computed once, and the
removals made so far) with keyword-only thresholds; it yields
`(block index, detail)` for each block it would remove. `find_removals` runs
them in registry order, so a later heuristic sees what an earlier one took.

Two families, in this order:

* pattern heuristics look at one block and its immediate neighbours (widgets,
  bylines, link labels, credits, captions, breadcrumbs, repeated blocks,
  truncated teasers, related-story headlines glued to their summaries);
* structural heuristics look at the whole page: they find the article region
  as the densest run of prose blocks (a maximum-sum segment, the idea behind
  "body text extraction" by Finn et al. 2001, on line scores), cut it at a
  section label that opens related stories or comments (or a label followed
  by comment furniture), keep the headline just before it, and revise the
  blocks inside it: a short block between prose is a subheading, a run of
  short blocks is a list of links (as jusText revises from neighbours); a
  repeated headline/summary template is a list of other stories; tool bars
  and click-here prompts go; and the newsletter boxes, reader calls and
  author bio between the article's last paragraph and the region's end go.

Speed: what a heuristic reads of a block (stripped text, word count, sentence
end, folded key, function-word share) is computed once per distinct text
(`features`, memoised, as the fixpoint rounds and a site's repeated menus see
the same texts again), and regex tests that depend on a block's text alone
are memoised too (`_per_text`). Everything is linear in the number of blocks.

Layout: `view` (block features, `View`), `widgets`, `repeats` and `teasers` (the pattern
heuristics), `region` (the article region and the heuristics that use it); this module holds the
registry and the driver.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from cleaner.document import Document, Removal
from cleaner.errors import ConfigError
from cleaner.heuristics.markup import link_block, markup_boilerplate
from cleaner.heuristics.region import find_region, find_title, link_list, outside_article
from cleaner.heuristics.repeats import repeated_block, title_repeat
from cleaner.heuristics.teasers import glued_teaser, teaser, teaser_list, trailing_boilerplate
from cleaner.heuristics.view import Heuristic, View, fold
from cleaner.heuristics.widgets import (
    breadcrumb,
    byline_widget,
    caption,
    credit,
    furniture,
    link_label,
    page_tools,
    widget,
)

_STAGE_NAMES = frozenset({"language", "repeats"})
_CLAUSE_END = re.compile(r": |\. ")

# ---------------------------------------------------------------------------
# Registry and driver
# ---------------------------------------------------------------------------

PATTERN_HEURISTICS: dict[str, Heuristic] = {
    "markup-boilerplate": markup_boilerplate,
    "link-block": link_block,
    "widget": widget,
    "breadcrumb": breadcrumb,
    "byline-widget": byline_widget,
    "link-label": link_label,
    "credit": credit,
    "caption": caption,
    "title-repeat": title_repeat,
    "repeated-block": repeated_block,
    "teaser": teaser,
    "glued-teaser": glued_teaser,
}
REGION_HEURISTICS: dict[str, Heuristic] = {
    "outside-article": outside_article,
    "teaser-list": teaser_list,
    "page-tools": page_tools,
    "trailing-boilerplate": trailing_boilerplate,
    "link-list": link_list,
}
HEURISTICS: dict[str, Heuristic] = {**PATTERN_HEURISTICS, **REGION_HEURISTICS}
_REASONS = {name: f"heuristic:{name}" for name in HEURISTICS}


def describe() -> str:
    """The registry as a Markdown list, in order: each heuristic's name and the first clause of its
    docstring. The README's list of heuristics is this text (a test keeps them equal)."""
    lines = []
    for name, function in HEURISTICS.items():
        first = " ".join((function.__doc__ or "").strip().split("\n\n")[0].split())
        clause = _CLAUSE_END.split(first)[0].rstrip(".")
        lines.append(f"- `{name}`: {clause}")
    return "\n".join(lines)


def check_names(names: Iterable[str]) -> None:
    """Raise ConfigError for a name that is neither a heuristic nor a stage that can be disabled."""
    known = set(HEURISTICS) | _STAGE_NAMES
    for name in names:
        if name not in known:
            raise ConfigError(f"unknown heuristic {name!r} in disable; known: {', '.join(sorted(known))}")


def find_removals(doc: Document, *, disabled: set[str] | frozenset[str] = frozenset()) -> list[Removal]:
    """Whole-block removals the enabled heuristics make, in block order (see the module doc)."""
    if not doc.blocks:
        return []
    view = View.of(doc)

    taken, live, protected = view.taken, view.live, doc.protected

    def take(name: str, found: Iterable[tuple[int, str]]) -> None:
        for i, detail in found:
            if live[i] and i not in protected:  # `view.take`, inlined: neither gone nor taken yet
                taken[i] = (name, detail)
                live[i] = False

    for name, function in PATTERN_HEURISTICS.items():
        if name not in disabled:
            take(name, function(view))
    region = find_region(view)
    if region is not None:
        region.title = find_title(view, region, furniture=furniture)
    doc.headline = None if region is None else region.title
    for name, function in REGION_HEURISTICS.items():
        if name not in disabled:
            take(name, function(view, region=region))
    removals = []
    blocks = doc.blocks
    for i, (name, detail) in sorted(taken.items()):
        text = blocks[i].text
        removals.append(Removal(i, 0, len(text), _REASONS[name], detail, text))  # = doc.remove_block
    return removals


__all__ = ["HEURISTICS", "View", "check_names", "describe", "find_region", "find_removals", "fold"]
