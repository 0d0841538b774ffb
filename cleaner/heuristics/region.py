"""Structural heuristics: the article region.

The region is the densest run of prose blocks (a maximum-sum segment, the idea behind "body text
extraction" by Finn et al. 2001, on line scores), cut at a section label that opens related
stories or comments (or a label followed by comment furniture); the headline just before it is
kept. `outside-article` removes what lies outside it, `link-list` the runs of short blocks inside.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from cleaner.heuristics.markup import article_continues, article_line, article_span, content_list_item
from cleaner.heuristics.view import _MONTHS, _WORD, View, _per_text, per_view, text_flag
from cleaner.urls import url_path
from cleaner.words import FUNCTION_WORDS

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
    r"|(?:people|readers|users)\s+who\s+\w+\s+this\s+also\s+\w+"
    r"|editor['’]?s['’]?\s+(?:choice|picks?)|(?:latest|recent)(?:\s+(?:news|stories|articles|posts|comments|headlines|videos))?"
    r"|(?:\d+\s+)?(?:comments?|responses?|replies)|leave a (?:reply|comment)|post a comment|add (?:a|your) comment"
    r"|join the (?:conversation|discussion)|discussion|around the web|from the web"
    r"|sponsored(?:\s+\w+)?|promoted(?:\s+\w+)?"
    r"|(?:share|tags?|topics?|filed under|categories)\s*:?|about the author"
    r"|other\s+(?:recent\s+)?(?:news|stories|articles)|have your say(?:\s+about this (?:article|story))?"
    r"|what to read next|elsewhere(?:\s+on\s+\S+)?|in (?:other|case you missed)(?:\s+\w+){0,2}"
    r"|(?:top|most|best)\s+(?:rated|recent|liked|popular)\s+comments|(?:show|view|load|read|see)\s+(?:all\s+)?"
    r"(?:\d+\s+)?comments|comments?\s*\(\d+\)|no comments(?:\s+yet)?(?:\s+\w+){0,4}"
    # the same labels in German, French, Spanish, Portuguese, Italian and Dutch (not their "read
    # also", which these sites print inside the article over one link)
    r"|weitere\s+(?:beiträge|artikel|nachrichten|themen)(?:\s+\w+){0,3}|mehr zum thema"
    r"|(?:das\s+)?könnte\s+(?:sie|dich)\s+(?:auch\s+)?interessieren|(?:ähnliche|verwandte)\s+(?:artikel|beiträge)"
    r"|kommentare?|articles?\s+(?:similaires|liés|connexes)|sur le même sujet"
    r"|vous (?:aimerez|pourriez aimer) aussi|commentaires?|(?:te|le)\s+puede\s+interesar"
    r"|(?:artículos|noticias)\s+relacionad[oa]s|comentarios?"
    r"|(?:você\s+)?(?:pode|poderá)\s+gostar(?:\s+também)?(?:\.\.\.|…)?"
    r"|(?:artigos|posts|notícias|matérias)\s+relacionad[oa]s|comentários?"
    r"|(?:ti\s+)?potrebbe(?:ro)?\s+(?:anche\s+)?interessare|articoli correlati|commenti"
    r"|gerelateerde artikelen|reacties"
    r")(?:\.\.\.|…)?\s*[\])]?\s*[:>»›]*\s*$",
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
def is_comment_meta(text: str) -> bool:
    """A line of comment furniture: "Reply", "Rating: 36 Votes", "Posted By: jo | January 07 2008 at
    03:06 PM", "2 days ago at 07:52 am"."""
    return len(text) <= 120 and bool(_COMMENT_META.fullmatch(text))


def _comment_meta_after(view: View, i: int, *, window: int) -> int:
    return sum(is_comment_meta(view.texts[j]) for j in range(i + 1, min(len(view), i + 1 + window)))


_SENTENCE_BREAK = re.compile(r"[.!?…][\"'”’»)\]]*\s+[\"'“‘«(\[]?[^\W\d_a-z]")


# a pagination marker after the paragraph's last sentence: "… on the Internet. Continued..."
_CONTINUED = re.compile(
    r"[.!?\"”’)]\s+(?:continued|\(continued\)|continued on (?:the )?(?:next )?page(?:\s+\d+)?)"
    r"\s*(?:\.\.\.|…|»|>+)?\s*$",
    re.IGNORECASE,
)


@_per_text
def _continued(text: str) -> bool:
    """A paragraph that a pagination marker ends ("… denied the claims. Continued...")."""
    return text.endswith(_CONTINUED_ENDS) and _CONTINUED.search(text) is not None


_CONTINUED_ENDS = ("...", "…", "»", ">", ")", "d", "D", *"0123456789")


@_per_text
def _runs_of_sentences(text: str) -> bool:
    """Several sentences in one block (two breaks between them at least), whatever its language
    and however it ends: a paragraph cut short by a paywall, or one in a language whose function
    words the prose test does not know."""
    found = 0
    for m in _SENTENCE_BREAK.finditer(text):
        if text[m.end() - 1].isupper():
            found += 1
            if found >= 2:
                return True
    return False


_READER = re.compile(r"\b(?:you|your|you['’](?:ll|re|ve)|us|our|we|me|my)\b", re.IGNORECASE)
_CALL = re.compile(
    r"\b(?:subscrib\w*|newsletters?|sign(?:ing|ed)?[- ]up|opt[- ]in|unsubscribe|inbox|spam|e-?mail (?:address|alerts?)"
    r"|follow (?:us|me|him|her|them)|share (?:this|it|your)|like this (?:story|article|post)"
    r"|comments? (?:on|about) this"
    r"|submit (?:a|your) (?:story|tip|photos?|video)|post (?:a|your) comments?|news tips?|contact us|support (?:us|our)"
    r"|thanks? (?:you )?for (?:signing|subscribing|reading|visiting)|click here|learn more"
    r"|read more|sign in|log in|register|download (?:our|the) app|get (?:our|the) app|news (?:e-?mails|alerts)"
    r"|no,? thanks|to read (?:this|the) (?:full )?(?:article|story) in full"
    r"|you must (?:be )?(?:registered|logged in|signed in)|(?:premium|registered|subscriber) (?:article|content)\s*!)",
    re.IGNORECASE,
)
# a newsletter's pitch: an imperative offer of news, whoever it addresses ("Get breaking news alerts
# and special reports.", "Get the day's big stories + fun stuff you love")
_PITCH = re.compile(
    r"(?:get|receive)\s+(?:[\w'’+-]+\s+){0,4}?(?:news|stories|headlines|updates|alerts|newsletters?|briefings?)\b",
    re.IGNORECASE,
)
# a call this short is a button or a box title, whoever it addresses; a longer one must address the reader
_SHORT_CALL_WORDS = 12
_FORM_FIELD = re.compile(
    r"\b(?:e-?mail|name|field|address)\s+(?:is|are)\s+required\b|\bprotected by (?:re)?captcha\b", re.IGNORECASE
)
_QUOTED = re.compile(r"\b(?:said|says|told|asked|urged|added)\b|^[\"“‘']", re.IGNORECASE)
_BIO = re.compile(
    r"(?:[A-Z][\w.'’-]+\s+){1,3}(?:\([^)]{0,60}\)\s+)?(?:is|was|has been)\s+(?:a|an|the)\s+(?:[\w,-]+\s+){0,5}"
    r"(?:writer|reporter|journalist|editor|correspondent|columnist|contributor|author|producer|blogger|critic"
    r"|publisher|freelancer)\b"
)


@_per_text
def reader_call(text: str) -> str | None:
    """Why a block reads as an address to the reader rather than article text, or None."""
    # a short line needs no reader address ("Thanks for signing up!", "Like this story? Share it!")
    short = len(text.split()) <= _SHORT_CALL_WORDS
    if _CALL.search(text) and (short or _READER.search(text)) and not _QUOTED.search(text):
        return "call to action"
    if _PITCH.match(text) and len(text) <= 300 and not _QUOTED.search(text):
        return "newsletter pitch"
    if _FORM_FIELD.search(text):
        return "form field"
    if _BIO.match(text):
        return "author bio"
    return None


_NUMBERED = re.compile(r"\s*(?:#|no\.\s*)?(\d{1,3})(?:[.)]|\s*[:–—-])\s+\S", re.IGNORECASE)
_DATE_LEAD = (
    rf"\s*(?:(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\d{{1,2}}(?:st|nd|rd|th)?\.?\s+(?:{_MONTHS})\b"
    r"|\d{1,2}[./-]\d{1,2}\b)"
)
_DATED = re.compile(_DATE_LEAD, re.IGNORECASE)
# a date and a clock time: the time stamp of a headline in a feed of other stories ("15.01.08 19:45 …")
_STAMPED = re.compile(_DATE_LEAD + r"(?:[./-]\d{2,4})?,?\s+(?:\d{4},?\s+)?\d{1,2}:\d{2}", re.IGNORECASE)


@_per_text
def _dated(text: str) -> bool:
    """The item opens with a date and no clock time after it."""
    return bool(_DATED.match(text)) and not _STAMPED.match(text)


@_per_text
def _templated(text: str) -> bool:
    """The item opens with a number or a date (see `_numbered_in_order`, `_dated`)."""
    return _NUMBERED.match(text) is not None or _dated(text)


def _numbered_in_order(texts: list[str]) -> bool:
    """Three numbered items or more, counting up by one (1, 2, 3 …): a ranked or stepwise list."""
    numbers = [int(m.group(1)) for t in texts if (m := _NUMBERED.match(t))]
    return len(numbers) >= 3 and all(b == a + 1 for a, b in itertools.pairwise(numbers))


@per_view
def list_items(view: View, *, max_words: int = 40, min_items: int = 2, template_share: float = 0.75) -> frozenset[int]:
    """Blocks that are items of a list the article itself holds (award nominees, recipe steps, a meal
    plan, product specs, a race calendar), from their text alone: a run of short blocks that the
    article introduces, either with a line ending in a colon ("Among the highlights:") or, for
    items that share a template (numbered in order, or each opening with a date), with a prose
    paragraph or a heading just after one.

    Must not take a list of links a page prints beside the article (related headlines, menus, tag
    lists, a numbered "most popular" box): those are not introduced by the article's prose, and
    their headlines share no template ("Review: …" headlines share a colon, not a template; a feed
    of stories stamped with a date and a time, "15.01.08 19:45 …", is no calendar). A
    colon introduces only after the article's text (a paragraph or a sentence just before), and
    not after a call to the reader ("Spread the news by clicking below:") or a comment or section
    label ("Comments (3):", "People who read this also read:"); a block a pack removed ends the
    run."""
    found: set[int] = set()
    candidate = _list_candidates(view, max_words)
    n, i = len(view), 0
    while i < n:
        if not candidate[i]:
            i += 1
            continue
        run = [i]
        j = i + 1
        while j < n and (candidate[j] or not view.keys[j]):
            if view.keys[j]:
                run.append(j)
            j += 1
        if len(run) >= min_items:
            found.update(_introduced(view, run, template_share=template_share))
        i = j
    return frozenset(found)


def _list_candidates(view: View, max_words: int) -> list[bool]:
    """Per block, whether it can be a list item: short, not prose, not a section label, not an
    introduction (a line ending in a colon opens a list of its own)."""
    barred = view.gone.union(view.flagged(_NO_LIST_ITEM))
    return [
        bool(key) and w <= max_words and not prose and i not in barred
        for i, (key, w, prose) in enumerate(zip(view.keys, view.words, view.prose, strict=True))
    ]


_NO_LIST_ITEM = text_flag(lambda f: f.text.endswith(":") or (f.words <= 8 and _END_MARKER.match(f.text) is not None))


def _introduced(view: View, run: list[int], *, template_share: float) -> list[int]:
    """The run's blocks that make a list the article introduces, with a short introduction (a
    colon line, a heading): a run after a colon line; a templated run (numbered in order, or
    dated) after a paragraph, or after a heading just after a paragraph. A templated run ends at
    its last numbered or dated item (a menu printed after the list is not part of it); else none."""
    intro = _previous_text(view, run[0])
    if intro is None:
        return []
    text = view.texts[intro]
    colon = text.endswith(":") and view.words[intro] >= 3
    if not colon and not any(_templated(view.texts[k]) for k in run[:2]):
        return []  # most runs (menus): no colon line before them, no template from their start
    texts = [view.texts[k] for k in run]
    templated = [n for n, t in enumerate(texts) if _templated(t)]
    if templated and (_numbered_in_order(texts) or len(templated) >= template_share * len(run)):
        run, texts = run[: templated[-1] + 1], texts[: templated[-1] + 1]
    before = _previous_text(view, intro)
    if colon:
        if (
            not _END_MARKER.match(text)
            and not _COMMENT_WORD.search(text)
            and reader_call(text) is None
            and (_texty(view, intro) or (before is not None and (_texty(view, before) or view.terminal[before])))
        ):
            return run if _texty(view, intro) else [intro, *run]
        return []
    if not templated or templated[0] > 1:
        return []
    if templated[0] == 1:  # a heading opens the run: what comes before it must be the article's text
        intro, before = run[0], intro
        run, texts = run[1:], texts[1:]
    dated = sum(map(_dated, texts))
    if not (_numbered_in_order(texts) or (len(run) >= 3 and dated >= template_share * len(run))):
        return []
    if _texty(view, intro):
        return run
    heading = view.words[intro] <= 12 and not view.terminal[intro]
    return [intro, *run] if heading and before is not None and _texty(view, before) else []


def _previous_text(view: View, i: int) -> int | None:
    """The nearest block before `i` with a word in it, removed or not (an introduction a pattern
    heuristic took, such as a headline printed again with a colon, still introduces)."""
    j = i - 1
    while j >= 0 and not view.keys[j]:
        j -= 1
    return j if j >= 0 else None


def _texty(view: View, i: int) -> bool:
    """Prose as the region counts it: a sentence-like paragraph, or `_prose_however_it_ends`."""
    return view.prose[i] or _prose_however_it_ends(view.words[i], view.texts[i])


def _prose_however_it_ends(words: int, text: str, *, long_words: int = 25, min_words: int = 8) -> bool:
    """A long block of several sentences (`long_words` or more), or a paragraph a pagination
    marker ends (`min_words` or more: page one of a multi-page article)."""
    return (words >= long_words and _runs_of_sentences(text)) or (words >= min_words and _continued(text))


def _scores(view: View, *, short_penalty: float, lists: frozenset[int] = frozenset()) -> list[float]:
    """Line scores for the densest run: a prose block counts its words, a short one costs
    `short_penalty` unless it is an item of a list the article holds (`lists`: a little gain, so
    that the run takes a list between or after the article's paragraphs), and a block with no
    word in it (a zero-width space, a rule of dashes) is neutral, as are blocks already removed."""
    scores = []
    protected, gone, taken, texts = view.doc.protected, view.gone, view.taken, view.texts
    for i, (w, terminal, key, prose) in enumerate(zip(view.words, view.terminal, view.keys, view.prose, strict=True)):
        if i in protected and i not in gone:
            scores.append(max(w, 1.0))
        elif i in taken or i in gone or not key:
            # neutral: removed blocks so that cleaning clean text finds the same region (idempotence),
            # blank-looking ones because a reader sees nothing there
            scores.append(0.0)
        elif prose or _prose_however_it_ends(w, texts[i]):  # `_texty`
            scores.append(float(w))
        elif i in lists:
            scores.append(1.0)
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
    lists: frozenset[int] = frozenset()  # items of lists the article holds (`list_items`)
    boxes: frozenset[int] = frozenset()  # labels and headlines of boxes inside the article (`_boxes_inside`)


def find_region(
    view: View,
    *,
    short_penalty: float = 8.0,
    min_words: int = 8,
    min_words_before_marker: int = 40,
    before_ratio: float = 0.5,
    comment_window: int = 30,
    min_comment_meta: int = 2,
    box_window: int = 8,
) -> Region | None:
    """The article region: the densest run of prose blocks, closed at an end marker (a section
    label for related stories, popular lists or comments) once some article text came before it.
    A label closes it when most of the article's prose came before it, or when comment furniture
    (`min_comment_meta` lines of it within `comment_window` blocks) follows: a long comment thread
    has more prose than the article. A label that opens a box inside the article (a few headlines,
    then the article's paragraphs go on: `_box_inside`) does not close it, and one that the densest
    run starts just after takes the article's opening paragraphs before it back in
    (`_start_before_box`). None when the page has too little prose to tell."""
    span = article_span(view)  # the DOM's article container, where the page has one
    lists = list_items(view)
    if span is not None:
        start, end = span
    else:
        scores = _scores(view, short_penalty=short_penalty, lists=lists)
        start, end, total = _densest_run(scores)
        if end < start or total < min_words:
            return None
        start = _start_before_box(view, start, scores, window=box_window + 4)
        start = _start_after_gap(view, start, end)
    prose = [view.words[i] if view.alive(i) and _texty(view, i) else 0 for i in range(start, end + 1)]
    total_prose, words_before = sum(prose), 0
    region = Region(start, end, lists=lists)
    for i in range(start, end + 1):
        if i not in view.doc.protected and words_before >= min_words_before_marker:
            text, w = view.texts[i], view.words[i]
            label = w <= 8 and _END_MARKER.match(text)
            # a section label ends the article only when most of the article came before it (a
            # "Comments" button in a share bar above the text must not); a comment header always
            # ends it, and so does a label followed by comment furniture (bylines with times, votes)
            if (
                (
                    label
                    and words_before >= before_ratio * (total_prose - words_before)
                    and not _box_inside(view, i, end, window=box_window)
                )
                or (w <= 20 and _is_comment_header(text))
                or (label and _comment_meta_after(view, i, window=comment_window) >= min_comment_meta)
            ) and not (span is not None and article_continues(view, i)):
                region = Region(start, i - 1, cut=i, lists=lists)
                break
        words_before += prose[i - start]
    while region.end > region.start and not view.alive(region.end):
        region.end -= 1
    region.boxes = _boxes_inside(view, region, window=box_window)
    return region


def _runs_on(text: str) -> bool:
    """The line introduces what follows (a colon) or stops on a function word mid-sentence."""
    last = text.rsplit(None, 1)[-1]
    return text.endswith(":") or (last.islower() and last in FUNCTION_WORDS)


def _boxes_inside(
    view: View, region: Region, *, window: int, max_words: int = 25, min_words_before: int = 40
) -> frozenset[int]:
    """The blocks of each box inside the article (`_box_inside`) once `min_words_before` words of
    it came: the section label and the short blocks under it, up to the paragraph where the
    article goes on ("Don't miss" over three headlines).

    Must not take the article's text: the box stops at the first paragraph (of any length), line of
    wrapped prose, line ending in a colon (an introduction) or in a function word (a sentence
    running on: "Brown's basket gave WSU a"), and items of a list the article holds are no box's."""
    found: set[int] = set()
    words_before = 0
    for i in range(region.start, region.end + 1):
        if view.alive(i) and _texty(view, i):
            words_before += view.words[i]
        if view.words[i] > 8 or words_before < min_words_before or not _END_MARKER.match(view.texts[i]):
            continue
        if not _box_inside(view, i, region.end, window=window, max_words=max_words):
            continue
        box = [i]
        for j in range(i + 1, region.end + 1):
            if view.keys[j] and (view.prose[j] or view.wrapped[j] or _runs_on(view.texts[j])):
                break
            box.append(j)
        found.update(j for j in box if j not in region.lists and j not in view.doc.protected)
    return frozenset(found)


_COMMENT_WORD = re.compile(r"comment|repl|respon|discussion|conversation", re.IGNORECASE)


def _box_inside(
    view: View, label: int, end: int, *, window: int, max_words: int = 25, paragraph_words: int = 15
) -> bool:
    """The label opens a box inside the article ("Related articles" over two headlines, then more of
    the article): within `window` live blocks after it, past one short block or more, two prose
    paragraphs of `paragraph_words` or more follow one another. A list of other stories alternates
    headlines and summaries, and a comment thread names and dates its comments, so neither has two
    in a row this soon; a comment label ("Comments", "Leave a reply") never opens a box."""
    if _COMMENT_WORD.search(view.texts[label]):
        return False
    seen, after_prose = 0, False
    for j in range(label + 1, end + 1):
        if not view.alive(j) or not view.keys[j]:
            continue
        seen += 1
        if view.prose[j] and view.words[j] >= paragraph_words:
            if after_prose:
                return True
            if seen == 1:
                return False  # no headline under the label: what follows is not a box
            after_prose = True
        elif after_prose or view.words[j] > max_words or seen > window:
            return False
    return False


def _start_before_box(
    view: View, start: int, scores: list[float], *, window: int, max_words: int = 20, min_prose: int = 40
) -> int:
    """Where the article starts when the densest run begins just after a box inside it: up to
    `window` short blocks, one of them a section label ("Latest headlines" over five headlines),
    between the run and `min_prose` words or more of paragraphs before it (the article's opening,
    which the box's penalties cut off). `start` when there is no such box."""
    j, box, label = start - 1, 0, False
    while j >= 0 and box <= window:
        if view.alive(j) and view.keys[j] and not view.wrapped[j]:
            if _texty(view, j):
                break
            if view.words[j] > max_words:
                return start
            box += 1
            label = label or bool(view.words[j] <= 8 and _END_MARKER.match(view.texts[j]))
        j -= 1
    if j < 0 or box > window or not label:
        return start
    first, words = j, 0
    while first >= 0 and scores[first] >= 0:
        if view.alive(first) and _texty(view, first):
            words += view.words[first]
        first -= 1
    return first + 1 if words >= min_prose else start


_MIN_GAP = 12  # removed blocks in a row that part the article from what came before it


def _start_after_gap(view: View, start: int, end: int, *, min_gap: int = _MIN_GAP, max_words: int = 40) -> int:
    """Where the article starts when the densest run opens with a little prose (under `max_words`
    words: a masthead's promo, a legal note) and then `min_gap` blocks or more that are all removed
    already (menus the packs and pattern heuristics took, which count as nothing in the run): just
    after that gap. `start` otherwise.

    Must not cut the article's opening off when the gap is a gallery inside it: the prose before
    the gap must be short, and shorter than the prose after it."""
    words, gap = 0, 0
    for i in range(start, end + 1):
        if not view.alive(i) or not view.keys[i]:
            gap += 1
            continue
        if gap >= min_gap:
            after = sum(view.words[j] for j in range(i, end + 1) if view.alive(j) and _texty(view, j))
            return i if words < max_words and words < after else start
        gap = 0
        if _texty(view, i):
            words += view.words[i]
            if words >= max_words:
                return start
    return start


@functools.lru_cache(maxsize=256)  # each fixpoint round of a page asks again
def _slug_words(url: str | None) -> frozenset[str]:
    path = url_path(url)
    return frozenset(
        w for w in re.findall(r"[a-z]{3,}", path.lower()) if w not in {"html", "htm", "php", "aspx", "www"}
    )


@_per_text
def _title_words(text: str) -> frozenset[str]:
    """A headline candidate's lower-cased words, as `find_title` compares them with the URL's slug."""
    return frozenset(_WORD.findall(text.lower()))


def find_title(
    view: View,
    region: Region,
    *,
    window: int = 12,
    min_gap: int = 2 * _MIN_GAP,
    max_words: int = 30,
    furniture: Callable[[str], bool] | None = None,
) -> int | None:
    """The headline: among the live short blocks just before the region (up to `window` of
    them, and not past `min_gap` removed blocks in a row: a menu the heuristics took), the one that
    best matches the URL's slug, else the longest with at least 3 words; never
    a section label, a call to the reader ("Snopes needs your help! Learn more.") or what
    `furniture` says is page furniture (a tool bar, a byline: `widgets.furniture`, which the driver
    passes)."""
    slug = _slug_words(view.doc.url)
    best, best_score = None, 0.0
    seen = gap = 0
    i = region.start - 1
    while i >= 0 and seen < window and gap < min_gap:
        gap += 1
        if view.alive(i):
            seen, gap = seen + 1, 0
            w = view.words[i]
            text = view.texts[i]
            if (
                2 <= w <= max_words
                and not _END_MARKER.match(text)
                and reader_call(text) is None
                and (furniture is None or not furniture(text))
            ):
                overlap = len(slug & _title_words(text)) if slug else 0
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
    for i in itertools.chain(range(region.start), range(region.end + 1, len(view))):
        if i == region.title or not view.alive(i):
            continue
        where = "before the article" if i < region.start else "after the article"
        if region.cut is not None and i == region.cut:
            yield i, "section label that ends the article"
        else:
            yield i, f"{view.words[i]} words, {where}"


def link_list(view: View, *, region: Region | None = None, min_run: int = 3, max_words: int = 10):
    """Runs of short unpunctuated blocks inside the article region (an embedded "related" box,
    a tag list, share buttons): `min_run` or more in a row go; and a box under a section label
    inside the article (`Region.boxes`: "Don't miss" over headlines of any length), whatever its size.

    Must not catch a lone subheading between paragraphs, a short quoted line that ends in
    punctuation, a line of hard-wrapped prose (a sentence running on into the next line), nor the
    items of a list the article holds (`list_items`: introduced with a colon,
    or numbered or dated items after a paragraph). Idea: jusText revises short blocks from their
    neighbours; a run of them has no prose neighbour to lean on.
    """
    if region is None:
        return
    run: list[int] = []

    def flush() -> Iterator[tuple[int, str]]:
        if len(run) >= min_run:
            for j in run:
                if j not in region.boxes:
                    yield j, f"{len(run)} short blocks in a row inside the article"
        run.clear()

    for i in range(region.start, region.end + 1):
        if not view.alive(i):
            continue
        if i in region.boxes:
            run.append(i)
            yield i, "box of other stories inside the article"
            continue
        if (
            view.words[i] <= max_words
            and not view.terminal[i]
            and not view.wrapped[i]
            and i not in view.doc.protected
            and not content_list_item(view, i)
            and i not in region.lists
            and not article_line(view, i)
        ):
            run.append(i)
        elif run:
            yield from flush()
    yield from flush()
