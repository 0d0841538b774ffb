"""Pattern heuristics that recognise page furniture by its words: date/time/weather stamps, bylines,
link labels, article tool bars, credit lines, marked captions and breadcrumb trails. Each looks at
one block at a time (`page_tools` only within the article region)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from cleaner.heuristics.region import Region
from cleaner.heuristics.view import _DAYS, _MONTHS, View, _ascii_words, _per_text
from cleaner.words import BYLINE_WORDS, DATE_WORDS, TOOL_VERBS, TOOL_WORDS

_WIDGET_TOKEN = re.compile(
    rf"(?:{_MONTHS}|{_DAYS}|\d{{1,4}}(?:st|nd|rd|th)?|\d{{1,2}}[:.]\d{{2}}(?:[:.]\d{{2}})?|[ap]\.?m\.?"
    r"|[a-z]{2,4}t|[ecmp]t|gmt|utc|today|yesterday|updated|published|posted|last|modified|on|at|am|pm"
    r"|°[cf]?|c|f|-?\d+(?:[.,]\d+)?°?[cf]?|[-–—/|,.:·•]+|\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}"
    r"|ago|hours?|hrs?|mins?|minutes?|days?|weeks?|months?|years?|an?|edt|est|cet|bst)",
    re.IGNORECASE,
)
_STAMP_TOKEN = re.compile(r"[^\s,]+")
_ASCII_DIGIT = re.compile(r"[0-9]")
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
    if text.isascii() and not _ASCII_DIGIT.search(text) and DATE_WORDS.isdisjoint(_ascii_words(text)):
        return False  # cannot match _DATEISH: no digit, no month or day name
    tokens = _STAMP_TOKEN.finditer(text)  # lazily: most blocks fail on their first word
    return all(_stamp_token(t[0].strip("()[]")) for t in tokens) and bool(_DATEISH.search(text))


def _stamp_token(token: str) -> bool:
    # "Nov." and "PUBLISHED:" are the words "nov" and "published" with a mark after them
    return bool(_WIDGET_TOKEN.fullmatch(token) or _WIDGET_TOKEN.fullmatch(token.rstrip(".:")))


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
    if tokens and all(t in BYLINE_WORDS for t in tokens):
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
    if tokens and all(t in TOOL_WORDS for t in tokens) and not TOOL_VERBS.isdisjoint(tokens):
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
