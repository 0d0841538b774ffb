"""Pattern heuristics that recognise page furniture by its words: date/time/weather stamps, bylines,
link labels, article tool bars, credit lines, marked captions and breadcrumb trails. Each looks at
one block at a time (`page_tools` only within the article region)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator

from cleaner.document import Document, PageInfo
from cleaner.heuristics.region import Region, reader_call
from cleaner.heuristics.view import _DAYS, _MONTHS, Features, View, _ascii_words, _per_text, text_flag
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


def widget(view: View, *, max_words: int = 16) -> Iterator[tuple[int, str]]:
    """Date, time, weather and "updated" stamps standing alone: "21.6 C", "Monday, September 25,
    2023", "Updated 10:32 am EST", "3 hours ago".

    Catches a block made only of date/time/temperature words and numbers, with at least one
    digit or month/day name. Must not catch a sentence that mentions a date ("On Monday the
    summit opened."): any other word keeps the block. Idea: the vocabulary test boilerplate
    filters use for timestamp lines (e.g. datatrove's line-level filters).
    """
    for i in view.flagged(_STAMP, max_words=max_words):
        if view.words[i] <= max_words:
            yield i, f"date/time/weather stamp, {view.words[i]} words"


@_per_text
def _is_stamp(text: str) -> bool:
    if text.isascii() and not _ASCII_DIGIT.search(text) and DATE_WORDS.isdisjoint(_ascii_words(text)):
        return False  # cannot match _DATEISH: no digit, no month or day name
    tokens = _STAMP_TOKEN.finditer(text)  # lazily: most blocks fail on their first word
    return all(_stamp_token(t[0].strip("()[]")) for t in tokens) and bool(_DATEISH.search(text))


_STAMP = text_flag(lambda f: _is_stamp(f.text), max_words=16)


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
    for i in view.flagged(_BYLINE, max_words=max_words):
        if view.words[i] > max_words or (view.terminal[i] and view.words[i] > 3):
            continue
        kind = _byline_kind(view.texts[i])
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


_BYLINE = text_flag(lambda f: _byline_kind(f.text) is not None, max_words=8)


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


def link_label(view: View, *, max_words: int = 5, max_related_words: int = 25) -> Iterator[tuple[int, str]]:
    """Link labels and calls to action standing alone: "Read More", "Continue reading »",
    "See all stories", "Back to top", "Next article"; and links to a related story printed inside
    the article ("Related: SpaceX's Starship in Pictures", "READ MORE: …", "Also on rt.com …",
    "Next story: …").

    Must not catch a short sentence ("Read the report.") or a subheading: the block must be
    short, start with a navigation verb and name a link target word (more, story, page, …); a
    related link opens with its label and a colon, and is at most `max_related_words` words.
    """
    for i in view.flagged(_LINK_LABEL_LINE, max_words=max_words):
        w = view.words[i]
        if w == 0 or w > max_words or (view.terminal[i] and not view.texts[i].endswith("...")):
            continue
        yield i, "link label"
    for i in view.flagged(_RELATED_LINE, max_words=max_related_words):
        if view.words[i] <= max_related_words:
            yield i, "link to a related story"


# a link to another story printed inside the article: "Related: …", "READ MORE: …", "Also on rt.com …"
_RELATED_LINK = re.compile(
    r"(?:related(?:\s+(?:stories|story|articles?|content|coverage|links?))?|read\s+(?:more|also|next)|see\s+also|also\s+(?:read|see)"
    r"|(?:previous|next|prev|older|newer)\s+(?:story|article|post|item)"
    r"|more|on\s+[\w-]+\.(?:com|org|net|co\.uk))\s*:\s*\S"
    r"|also\s+on\s+[\w-]+\.(?:com|org|net|co\.uk)\s+\S",
    re.IGNORECASE,
)
_RELATED_LINE = text_flag(lambda f: _RELATED_LINK.match(f.text) is not None, max_words=25)


@_per_text
def _is_link_label(text: str) -> bool:
    return bool(_LINK_LABEL.match(text) and _LINK_WORDS.search(text))


_LINK_LABEL_LINE = text_flag(lambda f: _is_link_label(f.text), max_words=5)


_CLICK_HERE = re.compile(r"(?:[>»›•*-]\s*)?(?:click|tap)\s+here\b", re.IGNORECASE)


def page_tools(
    view: View,
    *,
    region: Region | None = None,
    max_words: int = 10,
    max_click_words: int = 30,
    max_call_words: int = 60,
    max_boxed_words: int = 40,
) -> Iterator[tuple[int, str]]:
    """Article tool bars and link prompts: "Print This Article | Single Page", "| Reprints | Single
    Page |", "Save This Page", "Add to Del.icio.us", "Email to a friend", and lines that open with
    "Click here" ("Click here for more football headlines!").

    Also calls to the reader in a box inside the region (a newsletter sign-up, "Like this
    article?", "Share your thoughts with friends."; see `trailing_boilerplate` for what makes a
    call) unless both neighbours are the article's paragraphs.

    Must not catch a sentence about printing or sharing ("She shared the page with her friend."): a
    tool bar is made only of tool words, and a "click here" line must open with those words and
    be at most `max_click_words` long; a call between two paragraphs is the article's own ("Would you share this?").
    Runs on the article region only, once it is found (outside it everything goes anyway):
    taking these short blocks earlier would lift the penalty that keeps the region from spreading
    over a footer. Idea: the share and print widgets that extractors prune by class
    name, recognised here by their vocabulary.
    """
    if region is None:
        return
    found = []  # decided before any is taken: a call's neighbours are judged as they stand
    for i in range(region.start, region.end + 1):
        text, w = view.texts[i], view.words[i]
        if w > max_call_words:
            continue
        kind = _tool_kind(text) if w <= max_click_words else None
        if kind == "tools" and w <= max_words:
            found.append((i, "article tool bar"))
        elif kind == "click":
            found.append((i, "click-here prompt"))
        elif view.alive(i) and i not in view.doc.protected:
            call = reader_call(text)
            if call is None or call == "author bio":
                continue
            flow = _prose_neighbours(view, i, region)
            if flow is not None and w > max_boxed_words:
                continue  # between two paragraphs, a long block is the article's whatever it says
            if flow is None or any(map(reader_call, flow)):
                found.append((i, f"{call} in a box"))
    yield from found


def _prose_neighbours(view: View, i: int, region: Region) -> tuple[str, str] | None:
    """The texts of the block's live neighbours when both are prose paragraphs inside the region
    (the block is then part of the article's flow, unless a neighbour is a call itself: a
    newsletter's title over its pitch is one box), else None."""
    before, after = view.prev_alive(i), i + 1
    while after <= region.end and not view.alive(after):
        after += 1
    if (
        before is not None
        and before >= region.start
        and view.prose[before]
        and after <= region.end
        and view.prose[after]
    ):
        return view.texts[before], view.texts[after]
    return None


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
    for i in view.flagged(_CREDIT_LINE, max_words=max_words):
        w, text = view.words[i], view.texts[i]
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


_CREDIT_LINE = text_flag(lambda f: _credit_kind(f.text) is not None, max_words=20)


_CAPTION = re.compile(
    r"^[(\[]?\s*(?:file\s+)?(?:photos?|images?|pictures?|pic|foto|video|graphic|illustration|"
    r"photograph|photo credit|image credit|image source|caption|slides?)\s*(?::|/|\||by\b|credit\b|courtesy\b"
    r"|\d+\s*(?:of|/)\s*\d+\s*[)\]]?$)",
    re.IGNORECASE,
)

# a caption that ends in its photo credit: "… in size (Image: GETTY )", "… (AP Photo/Alan Diaz, File)",
# "… La Paz, Bolivia, November 19, 2019. © Reuters / David Mercado"
_CREDITED = re.compile(
    r"(?:\((?:image|photo|picture|pic|credit|foto)s?\s*:[^()]*\)"
    r"|\([^()]*\b(?:AP|AFP|EPA|Reuters|Getty|PA)\b[^()]*\b(?:photo|images?|pictures?)\b[^()]*\)"
    r"|©\s*(?:AP|AFP|EPA|Reuters|Getty Images|PA)\s*/\s*[A-Z][\w.'’ -]*)\s*$",
    re.IGNORECASE,
)
# a gallery's counter glued to its caption: "1of4Grass Valley's Dionicio Torres looks at …"
_COUNTED = re.compile(r"\d{1,3}\s*of\s*\d{1,3}(?=[A-Z])")
_CAPTION_LINE = text_flag(
    lambda f: (
        _CAPTION.match(f.text) is not None
        or ((f.text.endswith(")") or "©" in f.text) and _CREDITED.search(f.text) is not None)
        or _COUNTED.match(f.text) is not None
    ),
    max_words=60,
)


def caption(view: View, *, max_words: int = 60) -> Iterator[tuple[int, str]]:
    """Marked captions and photo credits: "Photo: AFP", "photo: Mongolians gathered …",
    "Image by …", "File photo: …", a gallery's counters ("Image 2 of 5", or glued to the caption:
    "1of4A shopper looks at …"), and captions that end in their credit ("… in size (Image:
    GETTY )", "… (AP Photo/Alan Diaz, File)").

    Must not catch prose that mentions a photo ("Photos of the event spread online."): the
    block must open with the marker and a colon, slash or "by", or end with a credit in
    brackets (an agency and the word photo or image) or after "©".
    """
    for i in view.flagged(_CAPTION_LINE, max_words=max_words):
        if view.words[i] <= max_words:
            yield i, f"marked caption, {view.words[i]} words"


_BREADCRUMB = re.compile(r"^(?:you are here\s*:?\s*)?home(?:page)?(?:\s*[>»›/|:\\]+\s*|(?=[A-Z]))", re.IGNORECASE)
_CRUMB_SEP = re.compile(r"\s[>»›/|]\s")


def breadcrumb(view: View, *, max_words: int = 40) -> Iterator[tuple[int, str]]:
    """Breadcrumb trails: "Home > World > Asia", "Home » News", and the glued form a dump of
    link lists gives ("HomeChinaXi says …").

    Must not catch "Home Secretary Jane Doe said …" (a space and no separator after "Home"), nor
    a sentence with one slash: the trail needs "Home" and a separator, or two separators.
    """
    for i in view.flagged(_TRAIL, max_words=max_words):
        if view.words[i] > max_words:
            continue
        if _home_trail(view.texts[i]):
            yield i, "breadcrumb trail"
        else:
            yield i, "separator-delimited trail"


def _home_trail(text: str) -> bool:
    return text.startswith(("Home", "HOME", "home", "You are", "you are")) and _BREADCRUMB.match(text) is not None


def _separator_trail(f: Features) -> bool:
    return f.words <= 15 and not f.terminal and len(_CRUMB_SEP.findall(f.text)) >= 2


_TRAIL = text_flag(lambda f: _home_trail(f.text) or _separator_trail(f), max_words=40)


# ---------------------------------------------------------------------------
# What the byline and dateline say: the page's author and date on dumps
# ---------------------------------------------------------------------------

_BYLINE_PREFIX = re.compile(r"^(?:by|written by|posted by|words by|author:?|reporter:?|story by)\s+", re.IGNORECASE)
_NAME_END = re.compile(r"\s*(?:[,|;(]|\s[-–—]\s|\b(?:on|at|in|for)\s).*$")
_MONTH_NUMBER = {
    m: n
    for n, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}
_TEXT_DATE = re.compile(
    rf"\b(?P<month>{_MONTHS})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b"
    rf"|\b(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?:of\s+)?(?P<month2>{_MONTHS})\.?,?\s+(?P<year2>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_DOTTED_DATE = re.compile(r"\b(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>(?:19|20)\d\d)\b")
_ISO_DATE = re.compile(r"\b(?:19|20)\d\d[-/](?:0?[1-9]|1[0-2])[-/](?:0?[1-9]|[12]\d|3[01])(?!\d)")
# a machine-written value's compact form ("20190307", "2019.03.07"): read only where a field says the
# value is a date (`compact`, the HTML metadata); in a dump's text such digits are as often an id
_COMPACT_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)(\.?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)")
_ROLES = frozenset({"writer", "correspondent", "reporter", "editor", "columnist", "contributor"})
_ROLE_WORDS = frozenset(
    {"staff", "contributing", "senior", "special", "sports", "associated", "press", "ap", "reuters", "afp", "pa", "the"}
)
_NAME_PARTICLES = frozenset(
    {
        "and",
        "&",
        "de",
        "der",
        "den",
        "du",
        "da",
        "di",
        "dos",
        "del",
        "la",
        "le",
        "van",
        "von",
        "ter",
        "al",
        "el",
        "bin",
        "ibn",
    }
)
_PUBLISHED = re.compile(r"\b(?:published|posted|first published|created)\b", re.IGNORECASE)
_PUBLISHED_OR_UPDATED = re.compile(r"\b(?:published|posted|created|updated|modified)\b", re.IGNORECASE)


def byline_author(text: str, *, max_words: int = 6) -> str | None:
    """The author a byline names ("By Jane Doe, Reuters" → "Jane Doe"), or None when the line names
    nobody ("Published", "By", "By noon the crowd had gone": a name is at most `max_words`
    capitalised words, up to a comma, a bar or a dash). A name printed twice in a row ("By Sean Martin Sean Martin") is
    given once, and a role after it ("Associated Press Writer") is left out.

    >>> byline_author("By Jane Doe, Reuters"), byline_author("Posted by jo | 3 May 2023"), byline_author("By")
    ('Jane Doe', None, None)
    """
    prefix = _BYLINE_PREFIX.match(text)
    if prefix is None:
        return None
    name = _NAME_END.sub("", text[prefix.end() :]).strip(" .:")
    words = name.split()
    half = len(words) // 2
    if half and len(words) % 2 == 0 and words[:half] == words[half:]:
        words = words[:half]
    if words and words[-1].lower().rstrip("s") in _ROLES:  # "Tom James PA SportsTicker Contributing Writer"
        while words and (words[-1].lower().rstrip("s") in _ROLES or words[-1].lower() in _ROLE_WORDS):
            words.pop()
    if not 0 < len(words) <= max_words or not all(w[:1].isupper() or w.lower() in _NAME_PARTICLES for w in words):
        return None
    return " ".join(words)


def dateline_date(text: str) -> str | None:
    """The date a dateline gives, as ``YYYY-MM-DD``, or None when it gives no whole date ("3 hours
    ago", "Updated 10:32 am"). A line with a publication date and an update date gives the first
    after "Published" / "Posted", else its first date. Written dates ("Mon March 3, 2014", "12 May
    2023", "Nov. 18, 2019"), ISO dates and day.month.year are read; a slashed date with the day and
    month both 12 or under is ambiguous and left out.

    >>> dateline_date("Updated 5:32 PM EST, Mon March 3, 2014"), dateline_date("Published: 12 May 2023")
    ('2014-03-03', '2023-05-12')
    >>> dateline_date("UPDATED: 10:43, Tue, Nov 19, 2019 | PUBLISHED: 00:01, Mon, Nov 18, 2019")
    '2019-11-18'
    >>> dateline_date("Posted 4 mins ago"), dateline_date("05/06/2019")
    (None, None)
    """
    published = _PUBLISHED.search(text)
    if published is not None:
        found = first_date(text[published.end() :])
        if found is not None:
            return found
    return first_date(text)


def first_date(text: str, *, compact: bool = False) -> str | None:
    """The first whole date in `text` as ``YYYY-MM-DD`` (see `dateline_date`), or None: the one
    date reader of both paths (the HTML metadata's values use it too, with `compact` dates).

    Must not read compact digits ("20190307") unless `compact`: in running text they are ids."""
    found: list[tuple[int, str]] = []
    if compact:
        for m in _COMPACT_DATE.finditer(text):
            found.append((m.start(), _ymd(int(m[1]), int(m[3]), int(m[4]))))
    for m in _TEXT_DATE.finditer(text):
        month = _MONTH_NUMBER[(m["month"] or m["month2"])[:3].lower()]
        found.append((m.start(), _ymd(int(m["year"] or m["year2"]), month, int(m["day"] or m["day2"]))))
    for m in _DOTTED_DATE.finditer(text):
        found.append((m.start(), _ymd(int(m["year"]), int(m["month"]), int(m["day"]))))
    for m in _ISO_DATE.finditer(text):
        year, month, day = (int(x) for x in re.split(r"[-/]", m[0]))
        found.append((m.start(), _ymd(year, month, day)))
    dates = sorted((at, date) for at, date in found if date)
    return dates[0][1] if dates else None


def _ymd(year: int, month: int, day: int) -> str:
    """``YYYY-MM-DD``, or '' for a day the month does not have."""
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}"


def page_info(doc: Document, *, before: int = 3, after: int = 3) -> PageInfo | None:
    """The title, author and date a cleaned dump names: the headline the title heuristic kept
    (`Document.headline`), the author of a byline and the date of a dateline that the
    `byline-widget` and `widget` heuristics removed, or that a pack rule whose id starts with
    "byline" or "dateline" removed. Only lines near the article's start count: from `before`
    blocks above the headline (or above the first kept block, without one) to `after` blocks
    below the first kept block after it, and a bare date above the headline only when it says
    "Published", "Updated" or the like, so a date printed in the masthead or beside other
    stories is not taken for the article's. None when the page names none of them.

    Must not invent a value: a byline without a capitalised name ("Published", "By") gives no
    author, a stamp without a whole date ("3 hours ago") no date, a page without such lines keeps
    None, and a kept block that reads as furniture rather than a headline gives no title
    (`_headline_like`).
    """
    kept = doc.kept_indexes()
    if not kept:
        return None
    head = doc.headline if doc.headline is not None and doc.is_kept(doc.headline) else None
    first = next((i for i in kept if head is None or i > head), kept[-1])
    low, high = (first if head is None else head) - before, first + after
    author = date = None
    for r in doc.sorted_removals(range(low, high + 1)):
        if r.start != 0 or r.end != len(doc.blocks[r.block].text):
            continue
        kind = r.reason.split(":", 1)[1] if r.reason.startswith("heuristic:") else r.reason.rsplit("/", 1)[-1]
        text = r.text.strip()
        if kind == "byline-widget" or kind.startswith("byline"):
            author = author or byline_author(text)
            date = date or dateline_date(text)
        elif (kind == "widget" or kind.startswith("dateline")) and (
            head is None or r.block > head or _PUBLISHED_OR_UPDATED.search(text)
        ):  # a bare date above the headline is the masthead's today, not the article's
            date = date or dateline_date(text)
    title = doc.kept_text(head).strip() if head is not None else None
    if title is not None and not _headline_like(title):
        title = None
    if title is None and author is None and date is None:
        return None
    return PageInfo(title=title, author=author, date=date)


_NOT_HEADLINE = re.compile(r"\s[|·•>»]\s|[{};=<]|\d{1,2}:\d{2}|^\W")


def _headline_like(text: str) -> bool:
    """A block the title heuristic kept reads as a headline: no separator bar, code, clock time or
    leading mark; no full stop, colon or ellipsis at its end; not a call to the reader, a byline,
    a stamp, a tool bar or a link label ("Print This Article | Single Page", "Sat Jan 5, 2008 7:05pm
    EST", "Snopes needs your help! Learn more.")."""
    return not (
        _NOT_HEADLINE.search(text)
        or text.endswith((".", ":", ",", "…"))
        or reader_call(text) is not None
        or furniture(text)
    )


@_per_text
def furniture(text: str) -> bool:
    """The block reads as page furniture, whatever its punctuation: a byline, a date stamp, a tool
    bar or a link label ("By Jane Doe", "Updated 10:32 am", "Print This Article | Single Page")."""
    return (
        bool(_BYLINE_PREFIX.match(text) or _MENU_OR_CODE.search(text))
        or _is_stamp(text)
        or _tool_kind(text) is not None
        or _is_link_label(text)
    )


_MENU_OR_CODE = re.compile(r"\s[|·•>»]\s|[{};=<]")
