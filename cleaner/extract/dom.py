"""The DOM extractor: blocks with markup features, from one lxml parse and one walk.

The page is parsed once with lxml's HTML parser (``huge_tree``: no nesting limit) and walked
once in document order (`walk`). Text is gathered into the innermost paragraph-level element
(`BLOCK_TAGS`); each element boundary and each ``<br>`` ends a block, so a block reads like a
line of a text dump and the same packs and heuristics apply. Scripts, styles, form controls and
other elements that hold no readable text (`SKIP_TAGS`) are left out; everything else becomes a
block, navigation and footers included: removing them is the heuristics' job, with a reason.

Each block carries its `Markup`: tag, heading level, list/table membership, depth, link
density, the boilerplate tokens of its ancestors (`token_of`), and whether it sits in the
article container (`choose_container`: the densest subtree of prose, where a story's summary
in a list of linked headlines is not prose). A subheading whose class or id names a section
("related-posts-title") lends its tokens to the rest of its parent (`section_tokens`). The
same walk collects what the page says about itself (``<title>``, ``<meta>``, JSON-LD,
``<time>``) for `metadata.page_info`.

resiliparse (lexbor) parses faster, but walking its nodes from Python cost more than lxml's
parse and walk together (measured: 13-26 ms against about 10 ms a page).

Must not: rewrite text beyond collapsing white space, or drop text that is visible on the page
(apart from `SKIP_TAGS`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cleaner.document import Block, Markup

BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "header",
        "footer",
        "nav",
        "aside",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "pre",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "caption",
        "figure",
        "figcaption",
        "form",
        "fieldset",
        "address",
        "details",
        "summary",
        "center",
        "hr",
        "br",
        "body",
        "menu",
        "legend",
        "hgroup",
    ]
)
SKIP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "iframe",
        "select",
        "button",
        "input",
        "textarea",
        "head",
        "object",
        "embed",
        "canvas",
        "math",
        "video",
        "audio",
        "map",
        "option",
        "datalist",
        "dialog",
    ]
)
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
LIST_ITEMS = frozenset({"li", "dd", "dt"})
CELLS = frozenset({"td", "th"})
GROUPS = frozenset({"ul", "ol", "dl", "table", "menu"})
#: elements whose tag alone is a boilerplate token (outside the article container)
TAG_TOKENS = {
    "nav": "nav",
    "footer": "footer",
    "aside": "aside",
    "header": "header",
    "form": "form",
    "menu": "menu",
    "figcaption": "caption",
}
#: elements that may be the article container
CONTAINER_TAGS = frozenset({"div", "section", "article", "main", "td", "body"})
#: elements whose class/id/role are read (inline elements are not: cheaper, and rarely telling)
ATTR_TAGS = CONTAINER_TAGS | frozenset(
    {"nav", "aside", "header", "footer", "ul", "ol", "li", "form", "p", "table", "figcaption"}
)
#: tokens that, on a subheading's class or id, name the section it heads (`section_tokens`)
SECTION_TOKENS = frozenset(
    {"related", "recommend", "comment", "share", "social", "newsletter", "subscri", "promo", "advert", "ad", "sponsor"}
    | {"trending", "popular", "most-read", "more-stories", "read-more", "author-bio", "tag", "disqus"}
)

# Boilerplate words in class, id and role values: the first group matches a word's start ("comment"
# for "comments", "comment-list", "sharedaddy"), the second whole words only, so "ad" matches
# "ad-slot" and not "header", "read" or "shadow"; an author box ("post-author", "author-box") is
# "author-bio", a byline's "author" nothing. Word boundaries are non-letters.
_BOILERPLATE = re.compile(
    r"(?<![a-z])(?:(nav|menu|footer|sidebar|related|recommend|comment|shar|social|newsletter|subscri|promo|advert"
    r"|sponsor|banner|breadcrumb|cookie|widget|popup|modal|masthead|toolbar|paginat|trending|popular|disqus"
    r"|outbrain|taboola|login|signup|caption)[a-z]*|(ads?|tags?|skip|pager|side-bar|most-read|more-stories|read-more"
    r"|author-bio|bio|(?:post|about|about-the)-author|author-?(?:box|info|profile|details|card|description)))(?![a-z])"
)
_TOKEN_NAMES = {
    "shar": "share",
    "paginat": "pagination",
    "ads": "ad",
    "tags": "tag",
    "side-bar": "sidebar",
    "bio": "author-bio",
    "pager": "pagination",
}
# Words that name the article body itself (a small bonus when choosing the container).
_CONTENT = re.compile(r"(?<![a-z])(article|story|entry|post|content|main|body|text)(?![a-z])")
_ENDS = frozenset(".!?\"'”’)")
_HEAD_TAGS = frozenset({"meta", "title", "script", "time"})
_VOID_BLOCKS = frozenset({"br", "hr"})
_SUBHEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})


def token_of(value: str) -> tuple[str, ...]:
    """The boilerplate tokens in a class/id/role value.

    >>> token_of("post-sidebar widget_area related-posts")
    ('sidebar', 'widget', 'related')
    >>> token_of("header-title shadow readable")
    ()
    """
    found = _BOILERPLATE.findall(value.lower().replace("_", "-"))
    names = (("author-bio" if "author" in t else _TOKEN_NAMES.get(t, t)) for pair in found for t in pair if t)
    return tuple(dict.fromkeys(names))


#: an open paragraph-level element (inline elements share their block's frame), a plain tuple for
#: speed: (depth, tag, serial, heading, in_list, in_table, group, tokens, chain), where tokens are
#: the (depth, token, serial) of the ancestors that carry one and chain the serials of container
#: candidates from the root down
_Frame = tuple[int, str, int, int, bool, bool, int, tuple[tuple[int, str, int], ...], tuple[int, ...]]


@dataclass(slots=True)
class _Raw:
    text: str
    frame: _Frame
    link_chars: int
    anchors: int  # links that start inside it


@dataclass
class Walk:
    """What one walk over the DOM found: raw blocks, container scores, and the head's metadata."""

    raws: list[_Raw] = field(default_factory=list)
    # serial -> (depth, named, container): elements whose words are counted (candidates and token carriers)
    candidates: dict[int, tuple[int, bool, bool]] = field(default_factory=dict)
    parents: dict[int, int] = field(default_factory=dict)  # counted element -> the counted element around it (-1)
    first_raw: dict[int, int] = field(default_factory=dict)  # counted element -> index of its first raw block
    title: str | None = None
    metas: list[tuple[str, str]] = field(default_factory=list)  # (name or property, content), lower-case names
    json_ld: list[str] = field(default_factory=list)
    times: list[str] = field(default_factory=list)  # datetime attributes of <time>, in order
    itemprops: list[tuple[str, str]] = field(default_factory=list)  # (itemprop, content/datetime/text)
    max_depth: int = 0


_PARSER = None
#: class/id/role value -> (boilerplate tokens, named for the article): pages of a site repeat them
_ATTRS: dict[str, tuple[tuple[str, ...], bool]] = {}
_ATTRS_MAX = 50_000


def _parser():
    global _PARSER
    if _PARSER is None:
        from lxml import etree

        # huge_tree lifts libxml2's nesting limit (255 levels), so deep pages are read whole; the
        # page is already decoded, so a stale charset in a meta tag or XML declaration is ignored
        _PARSER = etree.HTMLParser(
            encoding="utf-8", huge_tree=True, remove_comments=True, remove_pis=True, collect_ids=False
        )
    return _PARSER


def _attrs_of(value: str) -> tuple[tuple[str, ...], bool]:
    """`token_of` and whether the value names the article body, memoised."""
    known = _ATTRS.get(value)
    if known is None:
        if len(_ATTRS) >= _ATTRS_MAX:
            _ATTRS.clear()
        known = _ATTRS[value] = (token_of(value), bool(_CONTENT.search(value.lower())))
    return known


def walk(html: str) -> Walk:
    """Parse `html` and walk it once (see the module doc).

    Speed: one lxml parse, one `iterwalk`; only paragraph-level elements get a frame (an inline
    element shares its block's), open links are counted rather than stacked, and class/id/role
    values are read through a memo (`_attrs_of`).
    """
    from lxml import etree

    found = Walk()
    try:
        root = etree.fromstring(html.encode("utf-8", "replace"), parser=_parser())
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return found
    if root is None:
        return found
    stack: list[_Frame] = [(0, "#root", 0, 0, False, False, -1, (), ())]  # the owning block per open element
    serial = 0
    max_depth = 0
    links = 0  # open <a> elements
    anchors = 0  # <a> elements started since the last block ended
    buffer: list[str] = []
    link_chars = 0
    raws = found.raws
    candidates, parents = found.candidates, found.parents
    block_tags, skip_tags, head_tags, attr_tags = BLOCK_TAGS, SKIP_TAGS, _HEAD_TAGS, ATTR_TAGS

    def flush(owner: _Frame) -> None:
        nonlocal link_chars, anchors
        text = buffer[0] if len(buffer) == 1 else "".join(buffer)
        if not text.isspace():
            text = " ".join(text.split())
            if text:
                raws.append(_Raw(text, owner, min(link_chars, len(text)), anchors))
        buffer.clear()
        link_chars = anchors = 0

    def add(text: str, owner: _Frame) -> None:
        nonlocal link_chars
        if owner[1] == "pre" and "\n" in text:
            for i, line in enumerate(text.split("\n")):
                if i and buffer:
                    flush(owner)
                buffer.append(line)
        else:
            buffer.append(text)
        if links:
            link_chars += len(text.strip())

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, node in walker:
        tag = node.tag
        if tag.__class__ is not str:
            continue
        if event == "end":
            if tag in block_tags:
                if buffer:
                    flush(stack[-1])
            elif tag == "a":
                links -= 1
            stack.pop()
            tail = node.tail
            if tail:
                if links or stack[-1][1] == "pre":
                    add(tail, stack[-1])
                else:
                    buffer.append(tail)
            continue
        parent = stack[-1]
        depth = len(stack)
        if depth > max_depth:
            max_depth = depth
        if tag not in block_tags:
            if tag in skip_tags:
                if tag == "head":
                    for child in node.iter("meta", "title", "script"):
                        _read_meta(child, child.tag, found)
                elif tag == "script":
                    _read_meta(node, tag, found)
                walker.skip_subtree()
            elif tag == "a":
                links += 1
                anchors += 1
                if node.get("itemprop"):
                    _read_itemprop(node, node.get("itemprop"), found)
            elif tag in head_tags:
                _read_meta(node, tag, found)
            elif tag == "span" and node.get("itemprop"):
                _read_itemprop(node, node.get("itemprop"), found)
            stack.append(parent)
            text = node.text
            if text and tag not in skip_tags:
                if links or parent[1] == "pre":
                    add(text, parent)
                else:
                    buffer.append(text)
            continue
        if buffer:
            flush(parent)
        serial += 1
        if tag in _SUBHEADINGS and node.items():
            section = section_tokens(node)
            if section:
                # the heading and what follows it in its parent are the section it names
                parent = stack[-1] = (*parent[:7], parent[7] + tuple((depth, t, serial) for t in section), *parent[8:])
                candidates[serial] = (depth, False, False)
                parents[serial] = parent[8][-1] if parent[8] else -1
        if tag in _VOID_BLOCKS:  # ends a block and holds no text: no frame of its own
            stack.append(parent)
            continue
        tokens = parent[7]
        chain = parent[8]
        if tag in attr_tags:
            get = node.get
            attrs = " ".join(filter(None, (get("class"), get("id"), get("role"))))
            named = carries = False
            if attrs:
                new, named = _attrs_of(attrs)
                if new:
                    tokens = tokens + tuple((depth, t, serial) for t in new)
                    carries = True
            if tag in TAG_TOKENS:
                tokens = (*tokens, (depth, TAG_TOKENS[tag], serial))
                carries = True
            itemprop = get("itemprop")
            if itemprop:
                named = named or itemprop == "articleBody"
                _read_itemprop(node, itemprop, found)
            container = tag in CONTAINER_TAGS
            if container or carries:
                parents[serial] = chain[-1] if chain else -1
                chain = (*chain, serial)
                candidates[serial] = (depth, named or tag == "article" or tag == "main", container)
        frame: _Frame = (
            depth,
            tag,
            serial,
            HEADINGS.get(tag, parent[3]),
            parent[4] or tag in LIST_ITEMS,
            parent[5] or tag in CELLS,
            serial if tag in GROUPS else parent[6],
            tokens,
            chain,
        )
        stack.append(frame)
        text = node.text
        if text:
            add(text, frame)
    if buffer:
        flush(stack[-1])
    found.max_depth = max_depth
    return found


def section_tokens(node) -> tuple[str, ...]:
    """The `SECTION_TOKENS` in a subheading's class and id ("Related posts" as
    ``<h3 class="related-posts-title">``): the heading names the section it opens, which runs to
    the end of the heading's parent, however much prose the section's items hold.

    Must not read an ``h1`` (the headline) nor tokens that name no section ("widget", "header":
    page builders put them on the article's own headings)."""
    value = " ".join(filter(None, (node.get("class"), node.get("id"))))
    return tuple(t for t in _attrs_of(value)[0] if t in SECTION_TOKENS) if value else ()


def _read_itemprop(node, itemprop: str, found: Walk) -> None:
    if itemprop in ("author", "datePublished", "headline"):
        value = node.get("content") or node.get("datetime") or "".join(node.itertext())
        found.itemprops.append((itemprop, value))


def _read_meta(node, tag: str, found: Walk) -> None:
    if tag == "meta":
        name = node.get("property") or node.get("name") or node.get("itemprop")
        content = node.get("content")
        if name and content:
            found.metas.append((name.lower(), content))
    elif tag == "title":
        if found.title is None:
            found.title = "".join(node.itertext())
    elif tag == "script":
        if (node.get("type") or "").lower() == "application/ld+json":
            found.json_ld.append(node.text or "")
    elif tag == "time":
        value = node.get("datetime")
        if value:
            found.times.append(value)


def word_counts(found: Walk) -> tuple[dict[int, int], dict[int, int], int]:
    """Prose words and other words inside each counted element, and the page's prose words.

    Prose: a block of at least 8 words ending a sentence, or of 25 words, mostly not link text,
    and not the summary of another story (`_linked_headline` just before it, or earlier in the
    same list). Each block's words go to its innermost counted element, then every element's
    totals to the one around it (children come after their parents in `found.candidates`).
    """
    prose_in: dict[int, int] = {}
    junk_in: dict[int, int] = {}
    total_prose = 0
    previous: _Raw | None = None
    story_lists: set[int] = set()  # lists (not tables) whose items hold linked headlines
    first = found.first_raw
    for index, raw in enumerate(found.raws):
        text = raw.text
        words = text.count(" ") + 1
        group = raw.frame[6]
        listed = group >= 0 and raw.frame[4] and not raw.frame[5]  # in a list, not in a (layout) table
        if listed and _linked_headline(raw):
            story_lists.add(group)
        prose = (
            raw.link_chars < 0.5 * len(text)
            and ((words >= 8 and text[-1:] in _ENDS) or words >= 25)
            and not (listed and group in story_lists)
            and not (previous is not None and _linked_headline(previous) and previous.frame[6] == group)
        )
        if prose:
            total_prose += words
        chain = raw.frame[8]
        if chain:
            bucket = prose_in if prose else junk_in
            bucket[chain[-1]] = bucket.get(chain[-1], 0) + words
            first.setdefault(chain[-1], index)
        previous = raw
    parents = found.parents
    for serial in reversed(found.candidates):
        parent = parents[serial]
        if parent >= 0:
            for bucket in (prose_in, junk_in):
                if serial in bucket:
                    bucket[parent] = bucket.get(parent, 0) + bucket[serial]
            if serial in first and first[serial] < first.get(parent, len(found.raws)):
                first[parent] = first[serial]
    return prose_in, junk_in, total_prose


def _linked_headline(raw: _Raw, *, min_words: int = 4, max_words: int = 25, min_density: float = 0.8) -> bool:
    """A headline that is a link: `min_words` to `max_words` words, at least `min_density` link
    text, and `min_words` words for each link in it. The prose right after it, or anywhere in its list,
    summarises another story.

    Must not take a short link label ("Leave a comment", "Read more"), a bare URL, or a bar of
    several links (share buttons)."""
    text = raw.text
    words = text.count(" ") + 1
    return (
        raw.link_chars >= min_density * len(text)
        and min_words <= words <= max_words
        and words >= min_words * raw.anchors  # a headline's link holds words, a share button one
    )


def choose_container(
    counts: tuple[dict[int, int], dict[int, int], int],
    candidates: dict[int, tuple[int, bool, bool]],
    *,
    junk_weight: float = 0.6,
    named_bonus: float = 1.15,
    min_share: float = 0.5,
    threads: frozenset[int] | set[int] = frozenset(),
) -> int | None:
    """The article container: the element whose text is most prose and least everything else.

    Every ``div``, ``section``, ``article``, ``main``, ``td`` and ``body`` scores the prose words
    inside it minus `junk_weight` times its other words (`word_counts`); containers named for an
    article (``<article>``, ``<main>``, ``itemprop=articleBody``, class/id with article, story,
    entry, post, content) get `named_bonus` on their prose. The best must hold at least
    `min_share` of the page's prose words, else there is none (None). An element in `threads`
    (`comment_threads`) is never chosen. Idea: the densest subtree, as Finn et al.'s densest run
    is the densest stretch of lines.
    """
    prose_in, junk_in, total_prose = counts
    if not total_prose:
        return None
    best, best_score = None, 0.0
    for serial in sorted(prose_in):  # document order: ties go to the first (then the deeper) element
        prose = prose_in[serial]
        depth, named, container = candidates[serial]
        if not container or prose < min_share * total_prose or serial in threads:
            continue
        score = prose * (named_bonus if named else 1.0) - junk_weight * junk_in.get(serial, 0)
        if score > best_score or (score == best_score and best is not None and depth > candidates[best][0]):
            best, best_score = serial, score
    return best


#: tokens kept even on prose-rich elements (a comment thread is prose)
PROSE_TOKENS = frozenset({"comment", "disqus"})


_COMMENTS_LABEL = re.compile(
    r"(?:\d+\s+)?(?:(?:article|reader|user|your|readers['’]?)\s+)?(?:comments?|responses?|replies|discussion)"
    r"(?:\s+\(\d+\))?(?:\s+\w+){0,3}\s*:?",
    re.IGNORECASE,
)


def comment_threads(found: Walk) -> set[int]:
    """Counted elements whose first block is a comments label ("Article Comments", "12 comments",
    "Reader responses") that is not a link: a comment thread, which may hold more prose than the
    article but is never its container.

    Must not take an element that merely contains a comments label further down, nor one that
    opens with a link to its comments (a comment count above the article)."""
    raws, first = found.raws, found.first_raw
    return {
        serial
        for serial, index in first.items()
        if _COMMENTS_LABEL.fullmatch(raws[index].text) and raws[index].link_chars < 0.5 * len(raws[index].text)
    }


def is_furniture(prose: int, junk: int, total_prose: int, *, min_words: int = 20, min_share: float = 0.3) -> bool:
    """Whether an element named for furniture is furniture, from the prose and other words inside
    it (`word_counts`): it is unless it mostly holds prose that is a good part (`min_share`) of
    the page's prose, as a page builder's "widget" wrapped around the article text does.

    Must not spare a box because it holds a few sentences of prose of its own: an author's bio,
    a photo caption, a disclaimer, a related story's summary."""
    return prose < min_words or prose <= junk or prose < min_share * total_prose


def blocks_of(found: Walk) -> list[Block]:
    """The walk's blocks with their `Markup`; `Block.line` is the paragraph number."""
    counts = word_counts(found)
    prose_in, junk_in, _ = counts
    container = choose_container(counts, found.candidates, threads=comment_threads(found))
    depth_of_container = found.candidates[container][0] if container is not None else 0
    furniture: dict[int, bool] = {}  # serial -> `is_furniture`, for the token carriers asked about

    def furniture_at(serial: int) -> bool:
        known = furniture.get(serial)
        if known is None:
            known = furniture[serial] = is_furniture(prose_in.get(serial, 0), junk_in.get(serial, 0), counts[2])
        return known

    blocks = []
    markups: dict[tuple, Markup] = {}  # Markup is frozen: blocks with the same features share one
    token_memo: dict[tuple[int, int], tuple[str, ...]] = {}
    for i, raw in enumerate(found.raws):
        depth, tag, _, heading, in_list, in_table, group, frame_tokens, chain = raw.frame
        inside = None if container is None else container in chain
        cut = depth_of_container if inside else -1
        tokens = ()
        if frame_tokens:
            memo_key = (id(frame_tokens), cut)  # raws of one element share their ancestors' tokens
            tokens = token_memo.get(memo_key)  # type: ignore[assignment]
            if tokens is None:
                tokens = token_memo[memo_key] = tuple(
                    dict.fromkeys(t for d, t, s in frame_tokens if d > cut and (t in PROSE_TOKENS or furniture_at(s)))
                )
        density = round(raw.link_chars / len(raw.text), 3) if raw.link_chars else 0.0
        key = (tag, heading, in_list, in_table, depth, density, group, tokens, inside)
        markup = markups.get(key)
        if markup is None:
            markup = markups[key] = Markup(tag if tag != "#root" else "body", *key[1:])
        blocks.append(Block(i, i + 1, raw.text, markup))
    return blocks
