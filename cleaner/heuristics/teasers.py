"""Heuristics for what follows an article: truncated teasers and glued headline/summary items of
other stories (pattern heuristics), and, inside the article region, a list of other stories
(headline, author, summary units) and the reader calls and author bio after the last paragraph."""

from __future__ import annotations

import re
from collections.abc import Iterator

from cleaner.heuristics.markup import article_text
from cleaner.heuristics.region import _QUOTED, Region, list_items, reader_call
from cleaner.heuristics.view import Features, View, _per_text, _strip_closers, fold, text_flag
from cleaner.language import capitalised_share
from cleaner.words import MINOR_WORDS

_GLUE = re.compile(r"(?<=[a-z0-9?!’'\")])(?=[A-Z](?:[a-z]| ))")


@_per_text
def _glued_split(text: str) -> int:
    """Where a headline runs into its summary with no space between ("… Student-AthleteA 24-year-old
    woman …"), or 0: the part before is a short headline-case phrase (three quarters of its words
    capitalised, with no full stop inside; a semicolon may join two clauses, "Ford Recalls F-150s;
    Loose Cable …") ending in a whole word, the part after reads as a sentence."""
    # cheap test first: a headline-case phrase has at most one lower-case word among its first three
    opening = [w for w in text.split(None, 6)[:6] if w[:1].isalpha()][:3]
    if sum(w[0].islower() for w in opening) > 1:
        return 0
    for m in _GLUE.finditer(text, 0, 200):
        head, rest = text[: m.start()], text[m.start() :]
        head_words = head.split()
        if not 3 <= len(head_words) <= 20 or re.search(r"\.\s", head):
            continue
        # a camel-case name (WeWork, MacBook, McCarthy) splits after a short capitalised prefix
        left = head_words[-1].split("-")[-1]
        if len(left) < 4 and left[-1:].isalpha():
            continue
        rest_words = rest.split()
        if len(rest_words) < 5:
            continue
        if capitalised_share(head_words) >= 0.75 and capitalised_share(rest_words) < 0.5:
            return m.start()
    return 0


_GLUED = text_flag(lambda f: f.words >= 8 and _glued_split(f.text) > 0)


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
    glued = [i for i in view.flagged(_GLUED) if view.alive(i)]
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


def teaser(view: View, *, min_words: int = 12, min_run: int = 2) -> Iterator[tuple[int, str]]:
    """Truncated teasers at the end of the page: long blocks that stop mid-sentence or in an
    ellipsis ("… the suspects installed cameras on coconut trees in the", "… opticians are
    shedding light..."), walking back from the end until the last complete paragraph; at least
    `min_run` of them (a list of other stories), so that one article paragraph with a stray tail
    is left alone.

    Must not catch a standfirst (it comes before the article, not after its last complete
    paragraph), short labels (left to the region heuristics), nor the items of a list the article
    holds (`list_items`: the walk stops at one). Idea: related-story widgets print
    the first N characters of other articles.
    """
    found, run = [], 0
    lists: frozenset[int] | None = None
    for i in range(len(view) - 1, -1, -1):
        if view.words[i] < min_words:
            continue
        if not view.alive(i):
            run += 1  # a long block a pack already took counts toward the run
        elif article_text(view, i):
            break
        elif view.ellipsis[i] or not view.terminal[i]:
            lists = list_items(view) if lists is None else lists
            if i in lists:
                break
            found.append(i)
            run += 1
        else:
            break
    if found and run >= min_run:
        for i in reversed(found):
            yield i, f"{view.words[i]} words, stops mid-sentence after the article"


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


def _headline_shaped(f: Features) -> bool:
    """Two words or more, no ellipsis, no full stop (a question mark is fine), not opening in lower case."""
    return (
        f.words >= 2
        and not f.ellipsis
        and (not f.terminal or _strip_closers(f.text).endswith("?"))
        and not f.text[:1].islower()
    )


_HEADLINE = text_flag(_headline_shaped, max_words=20)  # teaser_list's default max_headline_words


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


def _title_case(text: str) -> bool:
    """Every word capitalised but the short function words ("Building a Virtual Infrastructure from
    Servers to Storage")."""
    words = [w for w in text.split() if w[:1].isalpha()]
    return bool(words) and all(w[0].isupper() or w.lower() in MINOR_WORDS for w in words)


def teaser_list(
    view: View,
    *,
    region: Region | None = None,
    min_units: int = 3,
    max_headline_words: int = 20,
    min_summary_words: int = 6,
    max_summary_words: int = 60,
    max_named_summary_words: int = 120,
    min_words_before: int = 80,
    min_title_units: int = 5,
) -> Iterator[tuple[int, str]]:
    """A list of other stories inside the article region, after the article: three or more units
    of a headline, an optional author name, and a one-paragraph summary ("Joker killed at the box
    office." under "What made Joker so popular?" and "Madeline Fry"; up to `max_summary_words`,
    or `max_named_summary_words` under a name: an opinion page prints a column's opening
    paragraph), plus the short label just before the list ("Links We Like").

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
    shaped = view.flagged(_HEADLINE, max_words=max_headline_words)
    headlines = {i for i in shaped if view.words[i] <= max_headline_words}
    units: list[tuple[int, int | None, int]] = []
    runs: list[list[tuple[int, int | None, int]]] = []
    k = 0
    while k < len(live):
        h = live[k]
        unit = None
        if h in headlines and k + 1 < len(live):
            name = live[k + 1] if _is_name(view, live[k + 1]) else None
            s_at = k + 2 if name is not None else k + 1
            if s_at < len(live):
                s = live[s_at]
                longest = max_named_summary_words if name is not None else max_summary_words
                fits = max(min_summary_words, view.words[h]) <= view.words[s] <= longest
                if fits and not view.texts[s][:1].islower():
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


_ABOUT_NAME = re.compile(
    r"(?i:about|über|sobre|à propos de|acerca de|a proposito di|over|om)\s+"
    r"(?P<name>[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|de|da|van|von|al|el|bin)){1,3})\s*:?"
)
_BYLINE_LEAD = r"(?i:by|von|por|par|di|door|de|av|af|written by|posted by)\s+"
_BIO_WORD = re.compile(
    r"\b(?:writer|reporter|journalist|editor|correspondent|columnist|contributor|author|blogger|critic"
    r"|writes|covers|covering|column)\b",
    re.IGNORECASE,
)


@_per_text
def _about_name(text: str) -> str | None:
    """The person an "About <Name>" label names ("Über Moritz Bachmann", "Sobre Carlos Nadalim"):
    two to four capitalised words; a one-word name is a company's ("About Logitech")."""
    m = _ABOUT_NAME.fullmatch(text)
    return m["name"] if m else None


def _bylined(view: View, name: str, *, skip: int) -> bool:
    """The page prints `name` as a byline: alone on a line, after "By" (or its translations), or
    before a date ("Carlos Nadalim 27/09/2018 …"); block `skip` (the label itself) aside."""
    alone = fold(name)
    pattern = re.compile(rf"(?:{_BYLINE_LEAD})?{re.escape(name)}(?:(?:\s+[^\W\d]+){{0,3}}\s*[,|·•–—-]?\s*\d.*)?")
    return any(
        i != skip and view.words[i] <= 12 and (view.keys[i] == alone or pattern.fullmatch(view.texts[i]) is not None)
        for i in range(len(view))
    )


def _author_box(view: View, i: int, *, max_words: int = 150, max_paragraphs: int = 2) -> str | None:
    """Why block `i` reads as the bio in an author box, or None: one of the `max_paragraphs`
    paragraphs under an "About <Name>" label, the first naming the person, whom the page's byline
    names too ("Über Moritz Bachmann" over "Als Inbound Sales Manager bildet Moritz Bachmann …"); or
    a paragraph that names the byline's author in its first words and calls them a writer
    ("Pulitzer Prize-winning journalist Michael Hiltzik writes a daily blog …").

    Must not take a company's "About Logitech" section (a one-word name, or a name no byline
    gives), nor a paragraph that merely quotes the author."""
    if view.words[i] > max_words:
        return None
    j: int | None = i
    paragraphs = 0
    while j is not None and paragraphs < max_paragraphs:
        name = _about_name(view.texts[j]) if j != i else None
        if name is not None:
            first = next((k for k in range(j + 1, i + 1) if view.alive(k)), i)
            surname = name.split()[-1]
            if surname in view.texts[first] and _bylined(view, name, skip=j):
                return "author box"
            return None
        if view.words[j] > max_words:
            return None
        paragraphs += 1
        j = view.prev_alive(j)
    for name in _bio_names(view.texts[i]):
        if _bylined(view, name, skip=i):
            return "author bio"
    return None


@_per_text
def _bio_names(text: str) -> tuple[str, ...]:
    """The capitalised names among the first eight words of a text that reads as a bio, () for one
    that does not (no writer word, a quote, a contributor's credit)."""
    if not _BIO_WORD.search(text) or _QUOTED.search(text) or _CONTRIBUTED.search(text):
        return ()
    return tuple(_CAPITALISED_RUN.findall(" ".join(text.split()[:8])))


# "X contributed to this report" credits a reporter; it is no bio
_CONTRIBUTED = re.compile(r"\bcontribut\w*\s+(?:to|reporting)\b", re.IGNORECASE)
_CAPITALISED_RUN = re.compile(r"[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){1,2}")


def trailing_boilerplate(
    view: View, *, region: Region | None = None, max_words: int = 60, max_bio_words: int = 150, label_words: int = 5
) -> Iterator[tuple[int, str]]:
    """What a page prints between the article's last paragraph and the end of the region it shares a
    run of text with: newsletter boxes ("Get breaking news delivered to your inbox", "Thanks for
    signing up!"), a newsletter's pitch ("Get breaking news alerts and special reports."), calls to
    share, follow, comment or donate addressed to the reader, and the author bio ("Jane Doe is a
    freelance writer based in Toronto.", up to `max_bio_words`; an author box, see `_author_box`),
    with the short labels among them.

    Walks back from the end of the region while blocks are such calls (at most `max_words` words,
    naming an action and addressing the reader) or short labels; stops at the first other block.
    Must not catch the article's own last paragraph, even when it mentions a newsletter or quotes
    someone asking readers to sign up: a block needs the action words and, past 12 words, the
    reader address; a quote or a reported "said" keeps it; the walk never passes an ordinary
    paragraph, nor a company's "About" section. Idea: boilerplate filters' lists of
    reader-facing phrases (as in C4's and datatrove's line filters), applied only at the edge.
    """
    if region is None:
        return
    found: list[tuple[int, str]] = []
    calls = 0
    i = region.end
    while i >= region.start:
        if view.alive(i) and i not in view.doc.protected:
            why = reader_call(view.texts[i]) if view.words[i] <= max_bio_words else None
            if why is not None and why != "author bio" and view.words[i] > max_words:
                why = None
            why = why or _author_box(view, i, max_words=max_bio_words)
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
