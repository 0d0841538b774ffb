"""The data model: a page, its blocks, and the removals made from them.

This module depends on nothing else in the package. Every stage reads a
`Document` and returns `Removal`s; only `Document.add` records them, so the
clean text is always the input minus recorded spans.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Page:
    """A page as a reader found it, before extraction: a text dump or HTML.

    `kind` is "text" or "html"; `content` the decoded dump or markup. `id` is
    stable and `metadata` holds input fields to pass through to the output.
    `folder` is the first folder between the input argument and the file
    (`dumps/<folder>/2024/05/page.txt` under argument `dumps`), None for a file
    directly under the argument or given itself: the corpus stage's site key
    for pages without a URL or site pack.
    """

    id: str
    source: str
    content: str
    kind: str = "text"
    url: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    folder: str | None = None


@dataclass(frozen=True, slots=True)
class Markup:
    """Where an HTML block sat in the DOM: what markup-aware heuristics read (None on dumps).

    `tag` is the paragraph-level element the text belongs to (``p``, ``li``, ``h2``, ``td``,
    ``div``...); `heading` its level (1-6, 0 when not a heading); `in_list` / `in_table` say it
    is inside a list item or a table cell; `depth` is its element depth; `link_density` the
    share of its characters inside links; `group` numbers the list or table holding it (-1 when
    none), so a list's items can be judged together; `tokens` the boilerplate words (nav, menu,
    footer, related, comment, share...) of its ancestors' tag, class, id and role, counted only
    below the article container when it is inside one; `in_article` whether it is inside the
    page's article container (None when the page has none).
    """

    tag: str
    heading: int = 0
    in_list: bool = False
    in_table: bool = False
    depth: int = 0
    link_density: float = 0.0
    group: int = -1
    tokens: tuple[str, ...] = ()
    in_article: bool | None = None

    def __reduce__(self):
        return (
            Markup,
            (
                self.tag,
                self.heading,
                self.in_list,
                self.in_table,
                self.depth,
                self.link_density,
                self.group,
                self.tokens,
                self.in_article,
            ),
        )


@dataclass(frozen=True, slots=True)
class PageInfo:
    """What a page says about itself: headline, author, publication date, site name (each may be None)."""

    title: str | None = None
    author: str | None = None
    date: str | None = None
    sitename: str | None = None

    def __reduce__(self):
        return (PageInfo, (self.title, self.author, self.date, self.sitename))

    def as_dict(self) -> dict[str, str | None]:
        return {"title": self.title, "author": self.author, "date": self.date, "sitename": self.sitename}


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph of a page: a non-blank line of a dump, or an extracted paragraph.

    `index` is the position among the document's blocks; `line` the 1-based
    line number in the source text (for HTML, the paragraph number); `markup`
    its place in the DOM for blocks extracted from HTML by the DOM extractor
    (None on dumps and with ``--extractor trafilatura``).
    """

    index: int
    line: int
    text: str
    markup: Markup | None = None

    def __reduce__(self):
        return (Block, (self.index, self.line, self.text, self.markup))


@dataclass(frozen=True, slots=True)
class Removal:
    """A span removed from a block, with why.

    `start`/`end` are code-point offsets into the block text, half-open; a
    removal covering the whole block has `start == 0 and end == len(text)`.
    `reason` names the origin (`rule:<pack>/<rule-id>`, `heuristic:<name>`,
    `repeat:<cluster>`, `lang:<code>`); `detail` is free text.
    """

    block: int
    start: int
    end: int
    reason: str
    detail: str
    text: str

    def __reduce__(self):
        return (Removal, (self.block, self.start, self.end, self.reason, self.detail, self.text))

    def as_dict(self) -> dict[str, Any]:
        return {
            "block": self.block,
            "start": self.start,
            "end": self.end,
            "reason": self.reason,
            "detail": self.detail,
            "text": self.text,
        }


def _slot_init(cls: type) -> None:
    """Give a frozen slots dataclass an `__init__` that fills the slots through their descriptors.

    The generated one calls `object.__setattr__` once per field (to get past the frozen guard),
    which costs about twice as much: a `Removal` is made in 310 ns against 540 (Python 3.11), and
    a page makes about 150 blocks and removals, so the generated `__init__` would cost about 2.5%
    of `cleaner clean --no-repeats` on the dev dumps. A hand-written `__init__` would have to
    fetch each slot's descriptor after `dataclass(slots=True)` has made the class and repeat every
    field; this writes it from the fields instead.
    Same parameters and defaults (written the way `dataclasses` writes its own); still frozen.
    """
    fields = dataclasses.fields(cls)
    scope: dict[str, Any] = {f"_set_{f.name}": getattr(cls, f.name).__set__ for f in fields}
    params = []
    for f in fields:
        if f.default is dataclasses.MISSING:
            params.append(f.name)
        else:
            scope[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
    body = "".join(f"\n    _set_{f.name}(self, {f.name})" for f in fields)
    exec(f"def __init__(self, {', '.join(params)}):{body}", scope)
    scope["__init__"].__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = scope["__init__"]  # type: ignore[misc]


_slot_init(Block)
_slot_init(Removal)
_REMOVAL_ORDER = operator.attrgetter("block", "start", "end")


def split_blocks(text: str) -> list[Block]:
    """Split a dump into blocks: one per line with a non-whitespace character.

    A line ends at `\\n` or `\\r\\n`, nothing else: the `\\r` of a CRLF belongs to the line
    ending, not the block; a lone `\\r` stays in the block text. A line of white space alone
    is no block.

    >>> [b.text for b in split_blocks("one\\r\\ntwo\\r\\n\\r\\nthree")]
    ['one', 'two', 'three']
    """
    lines = text.split("\n")
    if "\r" in text:
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    kept = [(number, line) for number, line in enumerate(lines, start=1) if line and not line.isspace()]
    return [Block(index, number, line) for index, (number, line) in enumerate(kept)]


@dataclass(slots=True)
class Document:
    """A page moving through the pipeline.

    `id` is stable (derived from the source, never from run order). `metadata`
    carries input fields passed through to the output. `protected` holds the
    indexes of blocks a `keep` rule protects from heuristics, language and
    repeat removal. `removals` is appended to only through `add`. `folder`
    comes from the page (`Page.folder`). `headline` is the block the title
    heuristic kept as the headline (None when it found none). `seconds` is the time each
    stage spent on it (for run statistics; not part of the output).
    """

    id: str
    source: str
    text: str
    url: str | None = None
    site: str | None = None
    folder: str | None = None
    lang: str | None = None
    blocks: list[Block] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    protected: set[int] = field(default_factory=set)
    removals: list[Removal] = field(default_factory=list)
    packs: tuple[str, ...] = ()
    dup_cluster: str | None = None
    dup_rank: int | None = None
    info: PageInfo | None = None
    headline: int | None = None
    seconds: dict[str, float] = field(default_factory=dict, repr=False, compare=False)
    _whole: set[int] = field(default_factory=set, repr=False)
    _spans: dict[int, list[tuple[int, int]]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_text(
        cls,
        text: str,
        *,
        id: str,
        source: str,
        url: str | None = None,
        site: str | None = None,
        metadata: dict[str, Any] | None = None,
        blocks: list[Block] | None = None,
        info: PageInfo | None = None,
    ) -> Document:
        """Make a document; blocks default to the dump's lines (`split_blocks`)."""
        return cls(
            id=id,
            source=source,
            text=text,
            url=url,
            site=site,
            blocks=split_blocks(text) if blocks is None else blocks,
            metadata=dict(metadata or {}),
            info=info,
        )

    def is_removed(self, index: int) -> bool:
        """True when block `index` is removed whole."""
        return index in self._whole

    def is_kept(self, index: int) -> bool:
        """True when block `index` is not removed whole (it may have lost a span)."""
        return index not in self._whole

    def kept_indexes(self) -> list[int]:
        return [b.index for b in self.blocks if b.index not in self._whole]

    def removed_blocks(self) -> frozenset[int]:
        """The indexes of the blocks removed whole."""
        return frozenset(self._whole)

    def add(self, removals: list[Removal] | tuple[Removal, ...]) -> None:
        """Record removals; a removal inside an already removed block is ignored."""
        blocks, whole, record = self.blocks, self._whole, self.removals.append
        for removal in removals:
            index, start, end = removal.block, removal.start, removal.end
            size = len(blocks[index].text)
            if index in whole:
                continue
            if not 0 <= start < end <= size:
                raise ValueError(f"span {start}:{end} outside block {index}")
            record(removal)
            if start == 0 and end == size:
                whole.add(index)
            else:
                self._spans.setdefault(index, []).append((start, end))

    def remove_block(self, index: int, reason: str, detail: str = "") -> Removal:
        """Make (not record) the removal of a whole block."""
        text = self.blocks[index].text
        return Removal(index, 0, len(text), reason, detail, text)

    def kept_text(self, index: int) -> str:
        """The block's text minus recorded partial spans ('' if removed whole)."""
        if index in self._whole:
            return ""
        text = self.blocks[index].text
        spans = sorted(self._spans.get(index, ()))
        if not spans:
            return text
        pieces, cursor = [], 0
        for start, end in spans:
            if start > cursor:
                pieces.append(text[cursor:start])
            cursor = max(cursor, end)
        pieces.append(text[cursor:])
        return "".join(pieces)

    def kept_texts(self) -> Iterator[str]:
        """`kept_text` of each block not removed whole, in block order."""
        whole, spans = self._whole, self._spans
        return (self.kept_text(b.index) if b.index in spans else b.text for b in self.blocks if b.index not in whole)

    def clean_text(self) -> str:
        """Kept blocks in order, one paragraph per line; blocks emptied by spans are left out."""
        return "\n".join(t for t in self.kept_texts() if t and not t.isspace())

    def kept_view(self) -> tuple[Document, list[tuple[int, list[int] | None]]]:
        """The document its clean text would make, and where each of its blocks came from.

        Each view block is a kept block's kept text; `origin[i]` is (original block
        index, positions of the kept characters in the original block, or None when
        the block is untouched). Used to run the stages again on the clean text.
        """
        blocks: list[Block] = []
        origin: list[tuple[int, list[int] | None]] = []
        protected: set[int] = set()
        whole, spans = self._whole, self._spans
        for block in self.blocks:
            index = block.index
            if index in whole:
                continue
            text = self.kept_text(index) if index in spans else block.text
            if not text or text.isspace():
                continue
            positions = None
            if text != block.text:
                cut = [False] * len(block.text)
                for start, end in spans[index]:
                    cut[start:end] = [True] * (end - start)
                positions = [i for i, gone in enumerate(cut) if not gone]
            if index in self.protected:
                protected.add(len(blocks))
            blocks.append(Block(len(blocks), block.line, text, block.markup))
            origin.append((index, positions))
        view = Document(
            id=self.id,
            source=self.source,
            text="\n".join(b.text for b in blocks),
            url=self.url,
            site=self.site,
            blocks=blocks,
            protected=protected,
            packs=self.packs,
        )
        return view, origin

    def add_from_view(self, removals: list[Removal], origin: list[tuple[int, list[int] | None]]) -> int:
        """Record removals made on `kept_view()`, mapped back to this document's blocks and offsets.

        A removal of a whole view block removes the whole original block. Returns
        how many removals were recorded.
        """
        mapped: list[Removal] = []
        for r in removals:
            index, positions = origin[r.block]
            text = self.blocks[index].text
            view_len = len(text) if positions is None else len(positions)
            if positions is None or (r.start == 0 and r.end == view_len):
                start, end = (0, len(text)) if positions is not None else (r.start, r.end)
                mapped.append(Removal(index, start, end, r.reason, r.detail, text[start:end]))
                continue
            run_start = prev = positions[r.start]
            for pos in [*positions[r.start + 1 : r.end], None]:
                if pos is None or pos != prev + 1:
                    mapped.append(Removal(index, run_start, prev + 1, r.reason, r.detail, text[run_start : prev + 1]))
                    if pos is not None:
                        run_start = pos
                if pos is not None:
                    prev = pos
        before = len(self.removals)
        self.add(mapped)
        return len(self.removals) - before

    def sorted_removals(self, blocks: range | None = None) -> list[Removal]:
        """The removals in block order (then start, end); with `blocks`, only those of these blocks."""
        removals = self.removals if blocks is None else [r for r in self.removals if r.block in blocks]
        return sorted(removals, key=_REMOVAL_ORDER)


@dataclass(frozen=True, slots=True)
class Result:
    """What cleaning one document gives: the clean text and every removal, in block order."""

    id: str
    source: str
    url: str | None
    site: str | None
    lang: str | None
    text: str
    removed: tuple[Removal, ...]
    raw_chars: int
    metadata: dict[str, Any] = field(default_factory=dict)
    dup_cluster: str | None = None
    dup_rank: int | None = None
    info: PageInfo | None = None
    seconds: dict[str, float] = field(default_factory=dict, repr=False, compare=False)

    @property
    def clean_chars(self) -> int:
        return len(self.text)

    @classmethod
    def of(cls, doc: Document) -> Result:
        return cls(
            id=doc.id,
            source=doc.source,
            url=doc.url,
            site=doc.site,
            lang=doc.lang,
            text=doc.clean_text(),
            removed=tuple(doc.sorted_removals()),
            raw_chars=len(doc.text),
            metadata=doc.metadata,
            dup_cluster=doc.dup_cluster,
            dup_rank=doc.dup_rank,
            info=doc.info,
            seconds=doc.seconds,
        )
