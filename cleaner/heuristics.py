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
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from cleaner.document import Document, Removal
from cleaner.errors import ConfigError

# ---------------------------------------------------------------------------
# Block features
# ---------------------------------------------------------------------------

_WORD = re.compile(r"\w+")
_CLOSERS = "\"'”’»)]\u201d\u2019*"
_TERMINAL = re.compile(r"[.!?。！？][" + re.escape(_CLOSERS) + r"\s]*$")
_ELLIPSIS = re.compile(r"(\.\.\.|…)[" + re.escape(_CLOSERS) + r"\s]*$")
_STOPWORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "all",
        "also",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "more",
        "most",
        "new",
        "no",
        "not",
        "of",
        "on",
        "one",
        "or",
        "our",
        "out",
        "over",
        "said",
        "she",
        "so",
        "some",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "up",
        "was",
        "we",
        "were",
        "what",
        "when",
        "which",
        "who",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)
# scripts written without spaces: two characters count as a word
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_STAGE_NAMES = frozenset({"language", "repeats"})


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
    """`text` without the closing quotes, brackets and spaces after its last sentence mark: what
    `_TERMINAL` and `_ELLIPSIS` look behind, found without a regex scan."""
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

    @property
    def stop_ratio(self) -> float:
        if self._stop < 0:
            tokens = self.key.split()
            self._stop = sum(map(_STOPWORDS.__contains__, tokens)) / len(tokens) if tokens else 0.0
        return self._stop

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
        return cls(text, words, terminal, ellipsis, " ".join(key))


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
    taken: dict[int, tuple[str, str]] = field(default_factory=dict)  # block -> (heuristic, detail)
    gone: frozenset[int] = frozenset()  # removed whole before the heuristics ran

    @classmethod
    def of(cls, doc: Document) -> View:
        cached = _FEATURE_CACHE.get
        feats = [cached(b.text) or features(b.text) for b in doc.blocks]
        texts = [f.text for f in feats]
        words = [f.words for f in feats]
        terminal = [f.terminal for f in feats]
        # hard-wrapped prose (press releases, old pages): a sentence runs on into the next line
        wrapped = [False] * len(texts)
        for i in range(len(texts) - 1):
            if not terminal[i] and words[i] >= 4 and words[i + 1] >= 4 and texts[i + 1][:1].islower():
                wrapped[i] = wrapped[i + 1] = True
        return cls(
            doc,
            texts,
            words,
            terminal,
            wrapped,
            [f.key for f in feats],
            [f.ellipsis for f in feats],
            feats,
            [],
            gone=frozenset(i for i in range(len(feats)) if doc.is_removed(i)),
        )

    def __post_init__(self) -> None:
        if not self.prose:
            self.prose = [self._prose(i, 8, 25) for i in range(len(self.texts))]

    def __len__(self) -> int:
        return len(self.texts)

    def alive(self, i: int) -> bool:
        """Not removed by a pack or an earlier heuristic."""
        return i not in self.taken and i not in self.gone

    def removable(self, i: int) -> bool:
        return self.alive(i) and i not in self.doc.protected

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

    def prev_alive(self, i: int) -> int | None:
        j = i - 1
        while j >= 0 and not self.alive(j):
            j -= 1
        return j if j >= 0 else None

    def next_alive(self, i: int) -> int | None:
        j = i + 1
        while j < len(self) and not self.alive(j):
            j += 1
        return j if j < len(self) else None


Heuristic = Callable[..., Iterable[tuple[int, str]]]

# Per-text tests (regex work that depends on a block's text alone) are memoised: the fixpoint
# rounds see the same blocks again, and a site's menus and footers recur across its pages.
_per_text = functools.lru_cache(maxsize=1 << 14)


# ---------------------------------------------------------------------------
# Pattern heuristics
# ---------------------------------------------------------------------------

_MONTHS = (
    "jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?"
    "|nov(ember)?|dec(ember)?"
)
_DAYS = "mon(day)?|tue(s(day)?)?|wed(nesday)?|thu(r(s(day)?)?)?|fri(day)?|sat(urday)?|sun(day)?"
_WIDGET_TOKEN = re.compile(
    rf"(?:{_MONTHS}|{_DAYS}|\d{{1,4}}(?:st|nd|rd|th)?|\d{{1,2}}[:.]\d{{2}}(?:[:.]\d{{2}})?|[ap]\.?m\.?"
    r"|[a-z]{2,4}t|[ecmp]t|gmt|utc|today|yesterday|updated|published|posted|last|modified|on|at|am|pm"
    r"|°[cf]?|c|f|-?\d+(?:[.,]\d+)?°?[cf]?|[-–—/|,.:·•]+|\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}"
    r"|ago|hours?|hrs?|mins?|minutes?|days?|weeks?|months?|years?|an?|edt|est|cet|bst)",
    re.IGNORECASE,
)
_STAMP_TOKEN = re.compile(r"[^\s,]+")
_ASCII_DIGIT = re.compile(r"[0-9]")
# every word _DATEISH's names match, as folded ASCII words
_DATE_WORDS = frozenset(
    [
        "jan",
        "january",
        "feb",
        "february",
        "mar",
        "march",
        "apr",
        "april",
        "may",
        "jun",
        "june",
        "jul",
        "july",
        "aug",
        "august",
        "sep",
        "sept",
        "september",
        "oct",
        "october",
        "nov",
        "november",
        "dec",
        "december",
        "mon",
        "monday",
        "tue",
        "tues",
        "tuesday",
        "wed",
        "wednesday",
        "thu",
        "thur",
        "thurs",
        "thursday",
        "fri",
        "friday",
        "sat",
        "saturday",
        "sun",
        "sunday",
        "today",
        "yesterday",
    ]
)
_DATEISH = re.compile(rf"\d|\b(?:{_MONTHS}|{_DAYS}|today|yesterday)\b", re.IGNORECASE)


def widget(view: View, *, max_words: int = 12) -> Iterator[tuple[int, str]]:
    """Date, time, weather and "updated" stamps standing alone: "21.6 C", "Monday, September 25,
    2023", "Updated 10:32 am EST", "3 hours ago".

    Catches a block made only of date/time/temperature words and numbers, with at least one
    digit or month/day name. Must not catch a sentence that mentions a date ("On Monday the
    summit opened."): any other word keeps the block. Idea: the vocabulary test boilerplate
    filters use for timestamp lines (e.g. datatrove's line-level filters).
    """
    for i, text in enumerate(view.texts):
        if view.words[i] <= max_words and _is_stamp(text):
            yield i, f"date/time/weather stamp, {view.words[i]} words"


@_per_text
def _is_stamp(text: str) -> bool:
    if text.isascii() and not _ASCII_DIGIT.search(text) and _DATE_WORDS.isdisjoint(_ascii_words(text)):
        return False  # cannot match _DATEISH: no digit, no month or day name
    tokens = _STAMP_TOKEN.finditer(text)  # lazily: most blocks fail on their first word
    return all(_stamp_token(t[0].strip("()[]")) for t in tokens) and bool(_DATEISH.search(text))


def _stamp_token(token: str) -> bool:
    # "Nov." and "PUBLISHED:" are the words "nov" and "published" with a mark after them
    return bool(_WIDGET_TOKEN.fullmatch(token) or _WIDGET_TOKEN.fullmatch(token.rstrip(".:")))


_BYLINE_WORDS = frozenset(
    [
        "published",
        "posted",
        "updated",
        "last",
        "modified",
        "on",
        "by",
        "at",
        "in",
        "written",
        "author",
        "authors",
        "share",
        "shares",
        "comments",
        "comment",
        "min",
        "read",
        "reading",
        "time",
        "-",
        "—",
        "|",
        "·",
        "•",
        "⋅",
        "and",
    ]
)
_BYLINE_NAME = re.compile(
    r"^(?:by|written by|posted by|words by|author:?|reporter:?|story by)\s+"
    r"[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|and|&|de|van|von|al|el|bin))*\s*[,|]?"
    r"(?:\s*[A-Z][\w&.'’ -]*)?$",
    re.IGNORECASE,
)


def byline_widget(view: View, *, max_words: int = 8) -> Iterator[tuple[int, str]]:
    """Byline widgets: the words a theme prints around an author and a date when the name and the
    date are links or pictures ("Published", "on", "By", "Posted by"), and bare bylines
    ("By Jane Doe", "By Jane Doe, Reuters").

    Must not catch a sentence starting with "By" ("By noon the crowd had gone."): it needs
    terminal-free short text of capitalised name words. Idea: byline classes that extractors such
    as trafilatura prune.
    """
    for i, text in enumerate(view.texts):
        if view.words[i] > max_words or (view.terminal[i] and view.words[i] > 3):
            continue
        kind = _byline_kind(text)
        if kind == "words":
            yield i, "byline widget words"
        elif kind == "name" and not view.terminal[i]:
            yield i, "byline"


@_per_text
def _byline_kind(text: str) -> str | None:
    tokens = text.lower().replace(":", " ").split()
    if tokens and all(t in _BYLINE_WORDS for t in tokens):
        return "words"
    return "name" if _BYLINE_NAME.match(text) else None


_LINK_LABEL = re.compile(
    r"^(?:[>»›→▶+]\s*)?(?:read|see|view|show|load|continue|click|learn|find out|discover|watch|listen"
    r"|explore|get|go|back|jump|skip|more|next|previous|prev|older|newer|full)\b[\w\s'’.,&-]{0,40}?"
    r"(?:\s*[>»›→…]+|\.\.\.)?\s*$",
    re.IGNORECASE,
)
_LINK_WORDS = re.compile(
    r"\b(?:more|here|story|stories|article|articles|post|posts|reading|comments?|all|full|top|page"
    r"|next|previous|prev|older|newer|now|video|gallery|photos|details|content|main|less|again)\b",
    re.IGNORECASE,
)


def link_label(view: View, *, max_words: int = 5) -> Iterator[tuple[int, str]]:
    """Link labels and calls to action standing alone: "Read More", "Continue reading »",
    "See all stories", "Back to top", "Next article".

    Must not catch a short sentence ("Read the report.") or a subheading: the block must be
    short, start with a navigation verb and name a link target word (more, story, page, …).
    """
    for i, text in enumerate(view.texts):
        w = view.words[i]
        if w == 0 or w > max_words or (view.terminal[i] and not text.endswith("...")):
            continue
        if _is_link_label(text):
            yield i, "link label"


@_per_text
def _is_link_label(text: str) -> bool:
    return bool(_LINK_LABEL.match(text) and _LINK_WORDS.search(text))


_TOOL_WORDS = frozenset(
    [
        "print",
        "printer",
        "printable",
        "friendly",
        "email",
        "e-mail",
        "mail",
        "send",
        "share",
        "save",
        "bookmark",
        "reprints",
        "reprint",
        "permalink",
        "rss",
        "digg",
        "del.icio.us",
        "delicious",
        "reddit",
        "stumbleupon",
        "facebook",
        "twitter",
        "tweet",
        "comment",
        "comments",
        "single",
        "page",
        "view",
        "this",
        "article",
        "story",
        "post",
        "it",
        "to",
        "a",
        "friend",
        "link",
        "text",
        "size",
        "font",
        "larger",
        "smaller",
        "add",
        "version",
        "format",
        "|",
        "-",
        "·",
        "•",
        "/",
        ":",
        ">>",
        "»",
        "+",
    ]
)
_TOOL_VERBS = frozenset(
    [
        "print",
        "printer",
        "printable",
        "email",
        "e-mail",
        "send",
        "share",
        "save",
        "bookmark",
        "reprints",
        "reprint",
        "permalink",
        "digg",
        "del.icio.us",
        "single",
    ]
)
_CLICK_HERE = re.compile(r"(?:[>»›•*-]\s*)?(?:click|tap)\s+here\b", re.IGNORECASE)


def page_tools(
    view: View, *, region: Region | None = None, max_words: int = 10, max_click_words: int = 15
) -> Iterator[tuple[int, str]]:
    """Article tool bars and link prompts: "Print This Article | Single Page", "| Reprints | Single
    Page |", "Save This Page", "Add to Del.icio.us", "Email to a friend", and lines that open with
    "Click here" ("Click here for more football headlines!").

    Must not catch a sentence about printing or sharing ("She shared the page with her friend."): a
    tool bar is made only of tool words, and a "click here" line must open with those words and
    be short. Runs on the article region only, once it is found (outside it everything goes
    anyway): taking these short blocks earlier would lift the penalty that keeps the region from
    spreading over a footer. Idea: the share and print widgets that extractors prune by class
    name, recognised here by their vocabulary.
    """
    if region is None:
        return
    for i in range(region.start, region.end + 1):
        text, w = view.texts[i], view.words[i]
        if w > max_click_words:
            continue
        kind = _tool_kind(text)
        if kind == "tools" and w <= max_words:
            yield i, "article tool bar"
        elif kind == "click":
            yield i, "click-here prompt"


@_per_text
def _tool_kind(text: str) -> str | None:
    tokens = text.lower().split()
    if tokens and all(t in _TOOL_WORDS for t in tokens) and not _TOOL_VERBS.isdisjoint(tokens):
        return "tools"
    return "click" if _CLICK_HERE.match(text) else None


_CREDIT_BY = re.compile(
    r"^[(\[]?\s*(?:additional reporting|reporting|writing|editing|edited|compiled|produced|research)"
    r"(?: and \w+)? by\b",
    re.IGNORECASE,
)
_CREDIT_HEAD = re.compile(
    r"[(\[]?\s*(?:sources?|via|credits?|courtesy|copyright|©|\(c\))\s*[:©]?\s"
    r"|[(\[]?\s*(?:[-–—]\s*)?(?:AFP|AP|Reuters|Xinhua|dpa|ANI|PTI|IANS|CNA|UPI|EFE|Bloomberg|"
    r"Agencies|Associated Press|Agence France-Presse)(?:\s*[/,&]\s*\w+)*\s*[)\]]?\s*$",
    re.IGNORECASE,
)
_CREDIT_TAIL = re.compile(r"\bwith (?:agencies|agency inputs|wires|wire services)\s*[.)\]]?$", re.IGNORECASE)


def credit(view: View, *, max_words: int = 20, max_by_words: int = 8) -> Iterator[tuple[int, str]]:
    """Credit lines: "Additional reporting by CNA", "source: commonspace.eu with agencies",
    "(Reporting by …; Editing by …)", "— AFP", "© 2023 Example Media".

    Must not catch an article sentence naming a source ("Reporting by the BBC showed that …"
    is a sentence): a "reporting by" line must be short, bracketed, or a list of credits split by
    semicolons; other credits open with a marker or are an agency name alone.
    """
    for i, text in enumerate(view.texts):
        w = view.words[i]
        if w > max_words:
            continue
        kind = _credit_kind(text)
        if kind == "by":
            if w <= max_by_words or text.startswith(("(", "[")) or ";" in text or not view.terminal[i]:
                yield i, f"credit line, {w} words"
        elif kind == "marker":
            yield i, f"credit line, {w} words"


@_per_text
def _credit_kind(text: str) -> str | None:
    if _CREDIT_BY.match(text):
        return "by"
    return "marker" if _CREDIT_HEAD.match(text) or _CREDIT_TAIL.search(text) else None


_CAPTION = re.compile(
    r"^[(\[]?\s*(?:file\s+)?(?:photos?|images?|pictures?|pic|foto|video|graphic|illustration|"
    r"photograph|photo credit|image credit|image source|caption)\s*(?::|/|\||by\b|credit\b|courtesy\b)",
    re.IGNORECASE,
)


def caption(view: View, *, max_words: int = 60) -> Iterator[tuple[int, str]]:
    """Marked captions and photo credits: "Photo: AFP", "photo: Mongolians gathered …",
    "Image by …", "File photo: …".

    Must not catch prose that mentions a photo ("Photos of the event spread online."): the
    block must open with the marker and a colon, slash or "by".
    """
    for i, text in enumerate(view.texts):
        if view.words[i] <= max_words and _CAPTION.match(text):
            yield i, f"marked caption, {view.words[i]} words"


_BREADCRUMB = re.compile(r"^(?:you are here\s*:?\s*)?home(?:page)?(?:\s*[>»›/|:\\]+\s*|(?=[A-Z]))", re.IGNORECASE)
_CRUMB_SEP = re.compile(r"\s[>»›/|]\s")


def breadcrumb(view: View, *, max_words: int = 40) -> Iterator[tuple[int, str]]:
    """Breadcrumb trails: "Home > World > Asia", "Home » News", and the glued form a dump of
    link lists gives ("HomeChinaXi says …").

    Must not catch "Home Secretary Jane Doe said …" (a space and no separator after "Home"), nor
    a sentence with one slash: the trail needs "Home" and a separator, or two separators.
    """
    for i, text in enumerate(view.texts):
        if view.words[i] > max_words:
            continue
        if text.startswith(("Home", "HOME", "home", "You are", "you are")) and _BREADCRUMB.match(text):
            yield i, "breadcrumb trail"
        elif view.words[i] <= 15 and not view.terminal[i] and len(_CRUMB_SEP.findall(text)) >= 2:
            yield i, "separator-delimited trail"


def title_repeat(view: View, *, max_words: int = 40) -> Iterator[tuple[int, str]]:
    """The headline printed again (meta title, share box, sticky header): a short block printed
    before the first prose paragraph whose folded text comes back later; later copies go.

    Compares folded text (case, quotes, dashes, punctuation and spacing ignored), so a repeat with
    straight quotes matches a headline with curly ones. Must not remove the first occurrence.
    """
    first_prose = next((i for i in range(len(view)) if view.alive(i) and view.is_prose(i)), len(view))
    heads: dict[str, int] = {}
    for i in range(first_prose):
        if view.alive(i) and 2 <= view.words[i] <= max_words:
            heads.setdefault(view.keys[i], i)
    heads.pop("", None)
    if not heads:
        return
    for i, key in enumerate(view.keys):
        if view.words[i] <= max_words and view.alive(i):
            first = heads.get(key)
            if first is not None and first < i:
                yield i, f"repeats the headline (block {first})"


def repeated_block(view: View, *, min_chars: int = 2) -> Iterator[tuple[int, str]]:
    """A block repeated within the page (a sidebar story listed twice, a label printed in
    two menus): copies after the first occurrence go; the first stays for the other heuristics
    to judge.

    Must not catch short punctuation-only separators ("***"): folded text must be non-empty.
    """
    seen: dict[str, int] = {}
    for i, key in enumerate(view.keys):
        if len(key) < min_chars:
            continue
        if key in seen:
            if view.alive(i):
                yield i, f"repeats block {seen[key]}"
        else:
            seen[key] = i


_GLUE = re.compile(r"(?<=[a-z0-9?!’'\")])(?=[A-Z](?:[a-z]| ))")


def _capitalised_share(words: list[str]) -> float:
    """Share of the alphabetic words that start with a capital (headline case)."""
    alpha = [w for w in words if w[:1].isalpha()]
    return sum(w[0].isupper() for w in alpha) / len(alpha) if alpha else 0.0


@_per_text
def _glued_split(text: str) -> int:
    """Where a headline runs into its summary with no space between ("… Student-AthleteA 24-year-old
    woman …"), or 0: the part before is a short headline-case phrase (three quarters of its words
    capitalised) ending in a whole word, the part after reads as a sentence."""
    # cheap test first: a headline-case phrase has at most one lower-case word among its first three
    opening = [w for w in text.split(None, 6)[:6] if w[:1].isalpha()][:3]
    if sum(w[0].islower() for w in opening) > 1:
        return 0
    for m in _GLUE.finditer(text, 0, 200):
        head, rest = text[: m.start()], text[m.start() :]
        head_words = head.split()
        if not 3 <= len(head_words) <= 20 or re.search(r"[.;]\s", head):
            continue
        # a camel-case name (WeWork, MacBook, McCarthy) splits after a short capitalised prefix
        left = head_words[-1].split("-")[-1]
        if len(left) < 4 and left[-1:].isalpha():
            continue
        rest_words = rest.split()
        if len(rest_words) < 5:
            continue
        if _capitalised_share(head_words) >= 0.75 and _capitalised_share(rest_words) < 0.5:
            return m.start()
    return 0


def glued_teaser(view: View, *, min_count: int = 2, max_gap: int = 2) -> Iterator[tuple[int, str]]:
    """Related-story items whose headline and summary a dump glued together: "Police: 2 In Custody
    After Death Of Student-AthleteA 24-year-old woman and a 28-year-old man have been …". The glue
    (a lower-case letter, digit or closing mark straight against a capital) follows a headline-case
    phrase of 3–20 words and precedes sentence-case text.

    Must not catch a sentence with a camel-case name ("The New 16-Inch MacBook Pro has a scissor
    keyboard"): a lone glued block is left alone; only `min_count` or more, each within `max_gap`
    live blocks of the next, are taken — a list of stories, not a typo. Idea: link text and teaser
    text sit in sibling elements that a text dump joins without a separator.
    """
    glued = [i for i in range(len(view)) if view.alive(i) and view.words[i] >= 8 and _glued_split(view.texts[i])]
    runs: list[list[int]] = []
    for i in glued:
        if runs and sum(1 for j in range(runs[-1][-1] + 1, i) if view.alive(j)) <= max_gap:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        if len(run) >= min_count:
            for i in run:
                yield i, f"headline glued to a summary, one of {len(run)}"


# ---------------------------------------------------------------------------
# Structural heuristics: the article region
# ---------------------------------------------------------------------------


def teaser(view: View, *, min_words: int = 12, min_run: int = 2) -> Iterator[tuple[int, str]]:
    """Truncated teasers at the end of the page: long blocks that stop mid-sentence or in an
    ellipsis ("… the suspects installed cameras on coconut trees in the", "… opticians are
    shedding light..."), walking back from the end until the last complete paragraph; at least
    `min_run` of them (a list of other stories), so that one article paragraph with a stray tail
    is left alone.

    Must not catch a standfirst (it comes before the article, not after its last complete
    paragraph) nor short labels (left to the region heuristics). Idea: related-story widgets print
    the first N characters of other articles.
    """
    found, run = [], 0
    for i in range(len(view) - 1, -1, -1):
        if view.words[i] < min_words:
            continue
        if not view.alive(i):
            run += 1  # a long block a pack already took counts toward the run
        elif view.ellipsis[i] or not view.terminal[i]:
            found.append(i)
            run += 1
        else:
            break
    if found and run >= min_run:
        for i in reversed(found):
            yield i, f"{view.words[i]} words, stops mid-sentence after the article"


_END_MARKER = re.compile(
    r"^(?:[#>»›▶■●•+-]\s*)?[\[(]?\s*(?:"
    r"related(?:\s+(?:articles?|stories|posts?|news|content|coverage|reading|links|topics|videos?))?"
    r"|(?:most\s+)?(?:popular|read|viewed|shared|commented|emailed|watched)"
    r"(?:\s+(?:stories|articles|news|now|today|this week|posts?))?"
    r"|most\s+\w+|trending(?:\s+\w+){0,2}|recommended(?:\s+\w+){0,3}|top\s+(?:stories|news|picks|articles)"
    r"|(?:you|we\s+think\s+you)\s+(?:may|might|could|will)\s+(?:also\s+)?"
    r"(?:like|enjoy|be interested in|want)(?:\s+\w+){0,3}"
    r"|more\s+(?:from|on|in|about|like this|stories|news|articles|headlines|to read|top stories)(?:\s+\S+){0,4}"
    r"|(?:also|read)\s+(?:read|see|next|also)|see also|further reading|don['’]t miss(?:\s+\w+)?"
    r"|editor['’]?s['’]?\s+(?:choice|picks?)|(?:latest|recent)(?:\s+(?:news|stories|articles|posts|comments|headlines|videos))?"
    r"|(?:\d+\s+)?(?:comments?|responses?|replies)|leave a (?:reply|comment)|post a comment|add (?:a|your) comment"
    r"|join the (?:conversation|discussion)|discussion|around the web|from the web"
    r"|sponsored(?:\s+\w+)?|promoted(?:\s+\w+)?"
    r"|(?:share|tags?|topics?|filed under|categories)\s*:?|about the author|other (?:news|stories)"
    r"|what to read next|elsewhere(?:\s+on\s+\S+)?|in (?:other|case you missed)(?:\s+\w+){0,2}"
    r"|(?:top|most|best)\s+(?:rated|recent|liked|popular)\s+comments|(?:show|view|load|read|see)\s+(?:all\s+)?"
    r"(?:\d+\s+)?comments|comments?\s*\(\d+\)|no comments(?:\s+yet)?(?:\s+\w+){0,4}"
    r")\s*[\])]?\s*[:>»›]*\s*$",
    re.IGNORECASE,
)


_COMMENT_HEADER = re.compile(
    rf"(?:\d{{1,2}}[:.]\d{{2}}\s*(?:[ap]\.?m\.?)?|\b(?:{_MONTHS})\b.*\d|\bago)\s*(?:said|says|wrote|writes)\s*:?\s*$"
    r"|^\d+\s+(?:comments?|responses?|replies|thoughts on)\b.{0,80}$"
    r"|\b(?:posted in|filed under)\b.*\|\s*\d+\s+comments?\s*$"
    r"|\|\s*comments?\s*\(\d+\)",
    re.IGNORECASE,
)


@_per_text
def _is_comment_header(text: str) -> bool:
    return bool(_COMMENT_HEADER.search(text))


_COMMENT_META = re.compile(
    r"(?:reply|report(?: abuse)?|flag|permalink|quote)(?:\s*[|·•]\s*\w+(?: \w+)?)*"
    r"|(?:rating|votes?|likes?|points?|score)\s*:?\s*[-+]?\d+(?:\s+(?:votes?|points?|likes?))?"
    r"|[-+]?\d+\s+(?:votes?|points?|likes?)"
    r"|(?:posted|written|submitted|comment(?:ed)?)\s+by\b.{0,60}(?:\d{1,2}:\d{2}|\bago\b|\b\d{4}\b).{0,20}"
    r"|(?:\w+\s+){0,4}\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago\b.{0,20}",
    re.IGNORECASE,
)


@_per_text
def _is_comment_meta(text: str) -> bool:
    """A line of comment furniture: "Reply", "Rating: 36 Votes", "Posted By: jo | January 07 2008 at
    03:06 PM", "2 days ago at 07:52 am"."""
    return len(text) <= 120 and bool(_COMMENT_META.fullmatch(text))


def _comment_meta_after(view: View, i: int, *, window: int) -> int:
    return sum(_is_comment_meta(view.texts[j]) for j in range(i + 1, min(len(view), i + 1 + window)))


def _scores(view: View, *, short_penalty: float) -> list[float]:
    scores = []
    protected, gone, taken = view.doc.protected, view.gone, view.taken
    for i, (w, prose, terminal) in enumerate(zip(view.words, view.prose, view.terminal, strict=True)):
        if i in protected and i not in gone:
            scores.append(max(w, 1.0))
        elif i in taken or i in gone:
            # neutral, so that cleaning clean text finds the same region (idempotence)
            scores.append(0.0)
        elif prose:
            scores.append(float(w))
        elif terminal and w >= 3:
            scores.append(0.0)
        else:
            scores.append(-short_penalty)
    return scores


def _densest_run(scores: list[float]) -> tuple[int, int, float]:
    """Maximum-sum contiguous run (Kadane), as (start, end inclusive, sum)."""
    best, best_run = 0.0, (0, -1)
    total, start = 0.0, 0
    for i, s in enumerate(scores):
        if total <= 0:
            total, start = s, i
        else:
            total += s
        if total > best:
            best, best_run = total, (start, i)
    return best_run[0], best_run[1], best


@dataclass
class Region:
    start: int
    end: int
    cut: int | None = None  # the end marker, when one closed the article
    title: int | None = None


def find_region(
    view: View,
    *,
    short_penalty: float = 8.0,
    min_words: int = 8,
    min_words_before_marker: int = 40,
    before_ratio: float = 0.5,
    comment_window: int = 30,
    min_comment_meta: int = 2,
) -> Region | None:
    """The article region: the densest run of prose blocks, closed at an end marker (a section
    label for related stories, popular lists or comments) once some article text came before it.
    A label closes it when most of the article's prose came before it, or when comment furniture
    (`min_comment_meta` lines of it within `comment_window` blocks) follows: a long comment thread
    has more prose than the article. None when the page has too little prose to tell."""
    scores = _scores(view, short_penalty=short_penalty)
    start, end, total = _densest_run(scores)
    if end < start or total < min_words:
        return None
    prose = [view.words[i] if view.alive(i) and view.is_prose(i) else 0 for i in range(start, end + 1)]
    total_prose, words_before = sum(prose), 0
    region = Region(start, end)
    for i in range(start, end + 1):
        if i not in view.doc.protected and words_before >= min_words_before_marker:
            text, w = view.texts[i], view.words[i]
            label = w <= 8 and _END_MARKER.match(text)
            # a section label ends the article only when most of the article came before it (a
            # "Comments" button in a share bar above the text must not); a comment header always
            # a label followed by comment furniture (bylines with times, vote counts) ends it too
            if (
                (label and words_before >= before_ratio * (total_prose - words_before))
                or (w <= 20 and _is_comment_header(text))
                or (label and _comment_meta_after(view, i, window=comment_window) >= min_comment_meta)
            ):
                region = Region(start, i - 1, cut=i)
                break
        words_before += prose[i - start]
    while region.end > region.start and not view.alive(region.end):
        region.end -= 1
    return region


def _slug_words(url: str | None) -> set[str]:
    if not url:
        return set()
    try:
        path = unquote(urlsplit(url if "//" in url else "//" + url).path)
    except ValueError:
        return set()
    return {w for w in re.findall(r"[a-z]{3,}", path.lower()) if w not in {"html", "htm", "php", "aspx", "www"}}


def find_title(view: View, region: Region, *, window: int = 12, max_words: int = 30) -> int | None:
    """The headline: among the live short blocks just before the region (up to `window` of
    them), the one that best matches the URL's slug, else the longest with at least 3 words."""
    slug = _slug_words(view.doc.url)
    best, best_score = None, 0.0
    seen = 0
    i = region.start - 1
    while i >= 0 and seen < window:
        if view.alive(i):
            seen += 1
            w = view.words[i]
            if 2 <= w <= max_words and not _END_MARKER.match(view.texts[i]):
                overlap = len(slug & set(_WORD.findall(view.texts[i].lower()))) if slug else 0
                score = overlap * 10.0 + min(w, 15) - seen * 0.5
                if (w >= 3 or overlap >= 2) and score > best_score:
                    best, best_score = i, score
        i -= 1
    return best


def outside_article(view: View, *, region: Region | None = None) -> Iterator[tuple[int, str]]:
    """Blocks outside the article region: navigation, section and category labels, sidebars and
    footers before the headline or after the article's end (its end marker included).

    Keeps the headline (the best title-like block just before the region). Must not remove any
    block of the region: a short subheading between article paragraphs stays.
    """
    if region is None:
        for i in range(len(view)):
            if view.alive(i):
                yield i, "no article text on the page"
        return
    for i in range(len(view)):
        if region.start <= i <= region.end or i == region.title or not view.alive(i):
            continue
        where = "before the article" if i < region.start else "after the article"
        if region.cut is not None and i == region.cut:
            yield i, "section label that ends the article"
        else:
            yield i, f"{view.words[i]} words, {where}"


_NAME_WORD = re.compile(r"[A-Z][\w.'’-]*,?|and|&|de|da|van|von|al|el|bin|Jr\.?")
_OPEN_END = re.compile(r"(?:\.\.\.|…|\bmore|»|›|>)\s*$", re.IGNORECASE)


def _is_name(view: View, i: int) -> bool:
    """A bare author name: 2–5 capitalised words, no digits, no sentence mark."""
    tokens = view.texts[i].split()
    return (
        2 <= len(tokens) <= 5
        and not view.terminal[i]
        and all(_NAME_WORD.fullmatch(t) for t in tokens)
        and not any(c.isdigit() for c in view.texts[i])
    )


def _stops_open(view: View, i: int, *, min_words: int = 12) -> bool:
    """A summary cut short: "… More", "…", or a long block stopping mid-sentence on a lower-case word."""
    text = view.texts[i]
    if _OPEN_END.search(text):
        return True
    return not view.terminal[i] and view.words[i] >= min_words and text.split()[-1][:1].islower()


def _is_headline(view: View, i: int, *, max_words: int) -> bool:
    text = view.texts[i]
    return (
        2 <= view.words[i] <= max_words
        and not view.ellipsis[i]
        and (not view.terminal[i] or _strip_closers(text).endswith("?"))
        and not text[:1].islower()
    )


def _headline_template(view: View, run: list[tuple[int, int | None, int]], *, min_units: int) -> bool:
    """Many units, each a headline-case title (not a numbered list item) over a summary of at most
    45 words: the shape of a promo list ("Rapidly Resolve J2EE Application Problems" over a blurb)."""
    if len(run) < min_units:
        return False
    for h, _, s in run:
        if re.match(r"\d+[.)]", view.texts[h]) or view.words[s] > 45:
            return False
        if not _title_case(view.texts[h]):
            return False
    return True


_MINOR_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "nor",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "as",
        "into",
        "onto",
        "via",
        "vs",
        "per",
        "than",
    ]
)


def _title_case(text: str) -> bool:
    """Every word capitalised but the short function words ("Building a Virtual Infrastructure from
    Servers to Storage")."""
    words = [w for w in text.split() if w[:1].isalpha()]
    return bool(words) and all(w[0].isupper() or w.lower() in _MINOR_WORDS for w in words)


def teaser_list(
    view: View,
    *,
    region: Region | None = None,
    min_units: int = 3,
    max_headline_words: int = 20,
    min_summary_words: int = 6,
    max_summary_words: int = 60,
    min_words_before: int = 80,
    min_title_units: int = 5,
) -> Iterator[tuple[int, str]]:
    """A list of other stories inside the article region, after the article: three or more units
    of a headline, an optional author name, and a one-paragraph summary ("Joker killed at the box
    office." under "What made Joker so popular?" and "Madeline Fry"), plus the short label just
    before the list ("Links We Like").

    Must not catch an article whose subheadings each open one paragraph: the units must carry
    author names (at least two of them), or summaries that stop open ("… More", "…") in at least
    half of them, or be a long uniform template (`min_title_units` or more units, every headline
    in headline case and unnumbered, every summary at most two sentences' worth); and at least
    `min_words_before` words of prose must come before the list.
    Idea: related-story widgets repeat one small template; a template repeated three times is a
    list, whatever its words.
    """
    if region is None:
        return
    live = [i for i in range(region.start, region.end + 1) if view.alive(i) and i not in view.doc.protected]
    units: list[tuple[int, int | None, int]] = []
    runs: list[list[tuple[int, int | None, int]]] = []
    k = 0
    while k < len(live):
        h = live[k]
        unit = None
        if _is_headline(view, h, max_words=max_headline_words) and k + 1 < len(live):
            name = live[k + 1] if _is_name(view, live[k + 1]) else None
            s_at = k + 2 if name is not None else k + 1
            if s_at < len(live):
                s = live[s_at]
                if (
                    max(min_summary_words, view.words[h]) <= view.words[s] <= max_summary_words
                    and not view.texts[s][:1].islower()
                ):
                    unit = (h, name, s)
        if unit is not None:
            units.append(unit)
            k = live.index(unit[2]) + 1
        else:
            if units:
                runs.append(units)
                units = []
            k += 1
    if units:
        runs.append(units)
    for run in runs:
        if len(run) < min_units:
            continue
        named = sum(name is not None for _, name, _ in run)
        open_ends = sum(_stops_open(view, s) for _, _, s in run)
        if named < 2 and open_ends * 2 < len(run) and not _headline_template(view, run, min_units=min_title_units):
            continue
        first = run[0][0]
        before = sum(view.words[i] for i in live if i < first and view.is_prose(i))
        if before < min_words_before:
            continue
        label = view.prev_alive(first)
        if label is not None and label >= region.start and view.words[label] <= 5 and not view.terminal[label]:
            yield label, "label of a list of other stories"
        for unit in run:
            for i in unit:
                if i is not None:
                    yield i, f"list of {len(run)} other stories (headline, summary)"


_READER = re.compile(r"\b(?:you|your|you['’](?:ll|re|ve)|us|our|we|me|my)\b", re.IGNORECASE)
_CALL = re.compile(
    r"\b(?:subscrib\w*|newsletters?|sign(?:ing|ed)?[- ]up|opt[- ]in|unsubscribe|inbox|spam|e-?mail (?:address|alerts?)"
    r"|follow (?:us|me)|share (?:this|it|your)|like this (?:story|article|post)|comments? (?:on|about) this"
    r"|submit (?:a|your) (?:story|tip|photos?|video)|post (?:a|your) comments?|news tips?|contact us|support (?:us|our)"
    r"|thanks? (?:you )?for (?:signing|subscribing|reading|visiting)|click here|learn more"
    r"|read more|sign in|log in|register|download (?:our|the) app|get (?:our|the) app)\b",
    re.IGNORECASE,
)
# a call this short is a button or a box title, whoever it addresses; a longer one must address the reader
_SHORT_CALL_WORDS = 12
_FORM_FIELD = re.compile(r"\b(?:e-?mail|name|field|address)\s+(?:is|are)\s+required\b", re.IGNORECASE)
_QUOTED = re.compile(r"\b(?:said|says|told|asked|urged|added)\b|^[\"“‘']", re.IGNORECASE)
_BIO = re.compile(
    r"(?:[A-Z][\w.'’-]+\s+){1,3}(?:\([^)]{0,60}\)\s+)?(?:is|was|has been)\s+(?:a|an|the)\s+(?:[\w,-]+\s+){0,5}"
    r"(?:writer|reporter|journalist|editor|correspondent|columnist|contributor|author|producer|blogger|critic"
    r"|publisher|freelancer)\b"
)


@_per_text
def _reader_call(text: str) -> str | None:
    """Why a block reads as an address to the reader rather than article text, or None."""
    # a short line needs no reader address ("Thanks for signing up!", "Like this story? Share it!")
    short = len(text.split()) <= _SHORT_CALL_WORDS
    if _CALL.search(text) and (short or _READER.search(text)) and not _QUOTED.search(text):
        return "call to action"
    if _FORM_FIELD.search(text):
        return "form field"
    if _BIO.match(text):
        return "author bio"
    return None


def trailing_boilerplate(
    view: View, *, region: Region | None = None, max_words: int = 60, label_words: int = 5
) -> Iterator[tuple[int, str]]:
    """What a page prints between the article's last paragraph and the end of the region it shares a
    run of text with: newsletter boxes ("Get breaking news delivered to your inbox", "Thanks for
    signing up!"), calls to share, follow, comment or donate addressed to the reader, and the author
    bio ("Jane Doe is a freelance writer based in Toronto."), with the short labels among them.

    Walks back from the end of the region while blocks are such calls (at most `max_words` words,
    naming an action and addressing the reader) or short labels; stops at the first other block.
    Must not catch the article's own last paragraph, even when it mentions a newsletter or quotes
    someone asking readers to sign up: a block needs the action words and, past 12 words, the
    reader address; a quote or a reported "said" keeps it; the walk never passes an ordinary
    paragraph. Idea: boilerplate filters' lists of
    reader-facing phrases (as in C4's and datatrove's line filters), applied only at the edge.
    """
    if region is None:
        return
    found: list[tuple[int, str]] = []
    calls = 0
    i = region.end
    while i >= region.start:
        if view.alive(i) and i not in view.doc.protected:
            why = _reader_call(view.texts[i]) if view.words[i] <= max_words else None
            if why is not None:
                calls += 1
                found.append((i, why))
            elif view.words[i] <= label_words and not view.terminal[i]:
                found.append((i, "label among reader calls"))
            else:
                break
        i -= 1
    if calls:
        yield from found


def link_list(view: View, *, region: Region | None = None, min_run: int = 3, max_words: int = 10):
    """Runs of short unpunctuated blocks inside the article region (an embedded "related" box,
    a tag list, share buttons): `min_run` or more in a row go.

    Must not catch a lone subheading between paragraphs, nor a short quoted line that ends in
    punctuation. Idea: jusText revises short blocks from their neighbours; a run of them has no
    prose neighbour to lean on.
    """
    if region is None:
        return
    run: list[int] = []

    def flush() -> Iterator[tuple[int, str]]:
        if len(run) >= min_run:
            for j in run:
                yield j, f"{len(run)} short blocks in a row inside the article"
        run.clear()

    for i in range(region.start, region.end + 1):
        if not view.alive(i):
            continue
        if view.words[i] <= max_words and not view.terminal[i] and i not in view.doc.protected:
            run.append(i)
        else:
            yield from flush()
    yield from flush()


# ---------------------------------------------------------------------------
# Registry and driver
# ---------------------------------------------------------------------------

PATTERN_HEURISTICS: dict[str, Heuristic] = {
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

    taken, gone, protected = view.taken, view.gone, doc.protected

    def take(name: str, found: Iterable[tuple[int, str]]) -> None:
        for i, detail in found:
            if i not in taken and i not in gone and i not in protected:
                taken[i] = (name, detail)

    for name, function in PATTERN_HEURISTICS.items():
        if name not in disabled:
            take(name, function(view))
    region = find_region(view)
    if region is not None:
        region.title = find_title(view, region)
    for name, function in REGION_HEURISTICS.items():
        if name not in disabled:
            take(name, function(view, region=region))
    removals = []
    blocks = doc.blocks
    for i in sorted(taken):
        name, detail = taken[i]
        text = blocks[i].text
        removals.append(Removal(i, 0, len(text), f"heuristic:{name}", detail, text))  # = doc.remove_block
    return removals


__all__ = ["HEURISTICS", "View", "check_names", "find_region", "find_removals", "fold"]
