"""Block features and the view the heuristics share.

What a heuristic reads of a block (stripped text, word count, sentence end, folded key,
function-word share) is computed once per distinct text (`features`, memoised); `View` holds a
document's blocks as parallel lists of those features, plus the removals made so far. `_per_text`
memoises the regex tests that depend on a block's text alone. Also the date vocabulary that the
widget and comment-header patterns share.
"""

from __future__ import annotations

import functools
import operator
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from cleaner.document import Document
from cleaner.words import FUNCTION_WORDS

# ---------------------------------------------------------------------------
# Block features
# ---------------------------------------------------------------------------

_WORD = re.compile(r"\w+")
_CLOSERS = "\"'”’»)]\u201d\u2019*"
# scripts written without spaces: two characters count as a word
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def fold(text: str) -> str:
    """A key for comparing blocks: case folded, words only (quotes, dashes, punctuation and
    spacing differences vanish).

    >>> fold('Xi says “fully unleash” potential.') == fold('Xi says "Fully Unleash" potential')
    True
    """
    return " ".join(_WORD.findall(text.casefold()))


_TERMINAL_CHARS = frozenset(".!?。！？")
# ASCII bytes: letters lower-cased, digits and "_" kept (what \w matches), everything else a space
_ASCII_FOLD = bytes(
    c + 32 if 65 <= c <= 90 else c if 48 <= c <= 57 or 97 <= c <= 122 or c == 95 else 32 for c in range(256)
)


def _strip_closers(text: str) -> str:
    """`text` without the closing quotes, brackets and spaces after its last sentence mark (what a
    terminal mark or an ellipsis is looked for before), found without a regex scan."""
    while True:
        tail = text.rstrip().rstrip(_CLOSERS)
        if tail == text:
            return tail
        text = tail


def _ascii_words(text: str) -> list[str]:
    """The words `fold` gives for an ASCII text, without a regex."""
    return text.encode().translate(_ASCII_FOLD).decode().split()


@dataclass(slots=True)
class Features:
    """What the heuristics read of one block, computed once per distinct text.

    `text` is the stripped block; `words` counts white-space words plus one per two CJK
    characters; `terminal` says the block ends a sentence (an ellipsis does not); `key` is
    `fold(text)`; `stop_ratio` (computed on first use: most blocks never need it) is the share of
    its word tokens that are English function words.
    """

    text: str
    words: int
    terminal: bool
    ellipsis: bool
    key: str
    _stop: float = field(default=-1.0, compare=False, repr=False)
    _flags: int = field(default=-1, compare=False, repr=False)
    #: (text, words, terminal, key, ellipsis, prose unless hard-wrapped): what `View.of` reads
    row: tuple[str, int, bool, str, bool, bool] = field(default=("", 0, False, "", False, False), compare=False)

    @property
    def stop_ratio(self) -> float:
        if self._stop < 0:
            tokens = self.key.split()
            self._stop = sum(map(FUNCTION_WORDS.__contains__, tokens)) / len(tokens) if tokens else 0.0
        return self._stop

    @property
    def flags(self) -> int:
        """The registered text tests (`text_flag`) this block passes, one bit each, computed on first use."""
        if self._flags < 0:
            words = self.words
            self._flags = sum(bit for bit, (test, cap) in _TEXT_TESTS.items() if words <= cap and test(self))
        return self._flags

    @classmethod
    def of(cls, raw: str) -> Features:
        text = raw.strip()
        words = len(text.split())
        if text.isascii():
            key = _ascii_words(text)
        else:
            key = _WORD.findall(text.casefold())
            words += len(_CJK.findall(text)) // 2
        tail = _strip_closers(text)
        ellipsis = tail.endswith(("...", "…"))
        terminal = not ellipsis and tail[-1:] in _TERMINAL_CHARS
        found = cls(text, words, terminal, ellipsis, " ".join(key))
        prose = (terminal and words >= 8) or (words >= 25 and found.stop_ratio >= 0.15 and not ellipsis)
        found.row = (text, words, terminal, found.key, ellipsis, prose)
        return found


# Tests of a block's text alone that several heuristics would otherwise run block by block on every
# round: each is one bit of `Features.flags`, computed once per distinct text; a heuristic then visits
# only the blocks `View.flagged` names.
_TEXT_TESTS: dict[int, tuple[Callable[[Features], bool], int]] = {}  # bit -> (test, most words)


def text_flag(test: Callable[[Features], bool], *, max_words: int = sys.maxsize) -> int:
    """Register `test` (a pure function of a block's features, never of its neighbours) as a bit of
    `Features.flags`, tried only on blocks of at most `max_words` words (the heuristic's default
    limit: most blocks are longer); returns the bit. Call at import, before any block is classified."""
    bit = 1 << len(_TEXT_TESTS)
    _TEXT_TESTS[bit] = (test, max_words)
    return bit


# Blocks recur: every fixpoint round sees the kept blocks again, and menus and footers repeat
# across a site's pages. Features depend on the text alone, so they are kept per text in a
# bounded table (cleared whole when full: simple, and deterministic in what it returns).
_FEATURE_CACHE: dict[str, Features] = {}
_FEATURE_CACHE_SIZE = 1 << 16


def features(raw: str) -> Features:
    """`Features.of(raw)`, memoised per text."""
    found = _FEATURE_CACHE.get(raw)
    if found is None:
        if len(_FEATURE_CACHE) >= _FEATURE_CACHE_SIZE:
            _FEATURE_CACHE.clear()
        found = _FEATURE_CACHE[raw] = Features.of(raw)
    return found


_TRUE = functools.partial(bool, True)
T = TypeVar("T")


_ROW = operator.attrgetter("row")
_TEXT = operator.attrgetter("text")


@dataclass
class View:
    """A document as the heuristics see it: per-block features (as parallel lists, read by index),
    and the removals so far."""

    doc: Document
    texts: list[str]
    words: list[int]
    terminal: list[bool]
    wrapped: list[bool]
    keys: list[str]
    ellipsis: list[bool]
    feats: list[Features]
    prose: list[bool]  # is_prose(i) with its default thresholds, computed once
    #: block -> (heuristic, detail): the heuristics' removals so far, recorded with `take`
    taken: dict[int, tuple[str, str]] = field(default_factory=dict)
    gone: frozenset[int] = frozenset()  # removed whole before the heuristics ran
    #: `alive(i)`: block i is removed neither by a pack nor by an earlier heuristic (a C-level lookup:
    #: the heuristics ask it about a million times per thousand pages); kept current by `take`
    alive: Callable[[int], bool] = field(init=False, repr=False, compare=False)
    live: defaultdict[int, bool] = field(init=False, repr=False, compare=False)  # what `alive` looks up
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)  # `per_view`, `flagged`

    @classmethod
    def of(cls, doc: Document) -> View:
        raw = list(map(_TEXT, doc.blocks))
        known = list(map(_FEATURE_CACHE.get, raw))  # one lookup pass: on a page seen again, every text
        feats = cast("list[Features]", known) if all(known) else list(map(features, raw))
        if not feats:
            return cls(doc, [], [], [], [], [], [], feats, [])
        texts, words, terminal, keys, ellipsis, prose = map(list, zip(*map(_ROW, feats), strict=True))
        # hard-wrapped prose (press releases, old pages): a sentence runs on into the next line
        wrapped = [False] * len(texts)
        heads = [i for i, (t, w) in enumerate(zip(terminal[:-1], words[:-1], strict=True)) if w >= 4 and not t]
        for i in heads:
            if words[i + 1] >= 4 and texts[i + 1][:1].islower():
                wrapped[i] = wrapped[i + 1] = True
                prose[i] = prose[i] or words[i] >= 8  # is_prose(i) with its default thresholds
                prose[i + 1] = prose[i + 1] or words[i + 1] >= 8
        return cls(doc, texts, words, terminal, wrapped, keys, ellipsis, feats, prose, gone=doc.removed_blocks())

    def __post_init__(self) -> None:
        if not self.prose and self.texts:
            self.prose = [self._prose(i, 8, 25) for i in range(len(self.texts))]
        self.live = defaultdict(_TRUE, dict.fromkeys(range(len(self.texts)), True))
        self.live.update(dict.fromkeys(self.gone, False))
        self.live.update(dict.fromkeys(self.taken, False))
        self.alive = self.live.__getitem__

    def take(self, i: int, value: tuple[str, str]) -> None:
        """Record a heuristic's removal of block `i` (`taken`) and mark it dead (`alive`)."""
        self.taken[i] = value
        self.live[i] = False

    def __len__(self) -> int:
        return len(self.texts)

    def is_prose(self, i: int, *, min_words: int = 8, long_words: int = 25) -> bool:
        """A sentence-like paragraph: ends in terminal punctuation with enough words, or is long
        and reads like text (has function words)."""
        if min_words == 8 and long_words == 25 and self.prose:
            return self.prose[i]
        return self._prose(i, min_words, long_words)

    def _prose(self, i: int, min_words: int, long_words: int) -> bool:
        w = self.words[i]
        if (self.terminal[i] or self.wrapped[i]) and w >= min_words:
            return True
        return w >= long_words and self.feats[i].stop_ratio >= 0.15 and not self.ellipsis[i]

    def flag_rows(self) -> list[int]:
        """Each block's `Features.flags`, in block order."""
        rows = self.memo.get(Features)
        if rows is None:
            rows = [f._flags for f in self.feats]  # a slot read; the property only for texts not yet tested
            if -1 in rows:
                rows = [f.flags for f in self.feats]
            self.memo[Features] = rows
        return rows

    def flagged(self, bit: int, *, max_words: int = 0) -> list[int]:
        """The blocks, in order, whose text passes the `text_flag` test `bit`; with `max_words` above
        the flag's own limit, the test is run on every block of up to `max_words` words instead."""
        if max_words > _TEXT_TESTS[bit][1]:
            test = _TEXT_TESTS[bit][0]
            return [i for i, f in enumerate(self.feats) if f.words <= max_words and test(f)]
        found = self.memo.get(bit)
        if found is None:
            some = self.memo.get(text_flag)  # (block, flags) of the blocks with any flag: most have none
            if some is None:
                some = self.memo[text_flag] = [(i, flags) for i, flags in enumerate(self.flag_rows()) if flags]
            found = self.memo[bit] = [i for i, flags in some if flags & bit]
        return found

    def prev_alive(self, i: int) -> int | None:
        j = i - 1
        while j >= 0 and not self.alive(j):
            j -= 1
        return j if j >= 0 else None


Heuristic = Callable[..., Iterable[tuple[int, str]]]


def per_view(function: Callable[..., T]) -> Callable[..., T]:
    """Compute `function(view)` (with its default thresholds) once per view, for a function of what
    the view fixes when it is made (texts, features, `gone`, the document), never of what the
    heuristics took since: several heuristics ask for the same answer (the lists the article holds)."""

    def once(view: View, **thresholds: Any) -> T:
        if thresholds:
            return function(view, **thresholds)
        memo = view.memo
        if function not in memo:
            memo[function] = function(view)
        return memo[function]

    functools.update_wrapper(once, function)
    return once


# Per-text tests (regex work that depends on a block's text alone) are memoised: the fixpoint
# rounds see the same blocks again, and a site's menus and footers recur across its pages.
_per_text = functools.lru_cache(maxsize=1 << 14)


# month and day names, shared by the stamp widgets and the comment headers
_MONTHS = (
    "jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?"
    "|nov(ember)?|dec(ember)?"
)
_DAYS = "mon(day)?|tue(s(day)?)?|wed(nesday)?|thu(r(s(day)?)?)?|fri(day)?|sat(urday)?|sun(day)?"
