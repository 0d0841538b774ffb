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

The walk is written twice, once in Python (`walk_tree`, the reference) and once compiled
(`cleaner/extract/_walk.pyx`: the same loop over libxml2's nodes through lxml's C API, about three
times faster); `walk` uses the compiled one when the install built it (a C compiler at install
time) and the Python one otherwise. Both must give the same `Walk` (tests/test_compiled_walk.py):
a change to one is a change to both. resiliparse (lexbor) parses faster, but walking its nodes
from Python cost more than lxml's parse and walk together (measured: 13-26 ms against about 10 ms
a page).

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
#: elements that change the context (heading, in_list, in_table, group) they pass to their content
_CONTEXT_TAGS = frozenset(HEADINGS) | LIST_ITEMS | CELLS | GROUPS


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
#: speed: (depth, tag, serial, context, tokens, counted), where context is (heading, in_list,
#: in_table, group), shared with the parent unless the element changes it; tokens are the
#: (depth, token, serial) of the ancestors that carry one; counted is the serial of the innermost
#: counted element around it (a container candidate or token carrier, `Walk.candidates`), -1 if none
_Frame = tuple[int, str, int, tuple[int, bool, bool, int], tuple[tuple[int, str, int], ...], int]
#: a block of text as the walk found it: (text, frame, link characters, links that start inside it)
_Raw = tuple[str, _Frame, int, int]


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

# What the walk does with an element, by tag (`_KINDS`; a tag not listed is inline). The
# paragraph-level kinds come last, so `kind >= _BLOCK` says an element ends a block, and
# `kind >= _ATTR_BLOCK` that its class/id/role are read (`ATTR_TAGS`).
_INLINE, _LINK, _SPAN, _META, _SKIP, _IGNORE, _BLOCK, _SUBHEADING, _VOID, _ATTR_BLOCK, _CONTAINER = range(11)
_KINDS: dict = {}


def _kinds() -> dict:
    """`_KINDS`, filled on first use (lxml's node types are imported lazily)."""
    if not _KINDS:
        from lxml import etree

        _KINDS.update(dict.fromkeys(BLOCK_TAGS, _BLOCK))
        _KINDS.update(dict.fromkeys(ATTR_TAGS, _ATTR_BLOCK))
        _KINDS.update(dict.fromkeys(CONTAINER_TAGS, _CONTAINER))
        _KINDS.update(dict.fromkeys(_SUBHEADINGS, _SUBHEADING))
        _KINDS.update(dict.fromkeys(_VOID_BLOCKS, _VOID))
        _KINDS.update(dict.fromkeys(SKIP_TAGS, _SKIP))
        _KINDS.update({"a": _LINK, "span": _SPAN, "meta": _META, "title": _META, "time": _META})
        _KINDS.update(dict.fromkeys((etree.Comment, etree.ProcessingInstruction, etree.Entity), _IGNORE))
    return _KINDS


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


_ROOT: _Frame = (0, "#root", 0, (0, False, False, -1), (), -1)


def walk(html: str) -> Walk:
    """Parse `html` and walk it once (see the module doc), with the compiled walk where it is built."""
    from lxml import etree

    found = Walk()
    try:
        root = etree.fromstring(html.encode("utf-8", "replace"), parser=_parser())
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return found
    if root is not None:
        _compiled("walk_root", walk_tree)(root, found)
    return found


def walk_tree(root, found: Walk) -> None:
    """Walk the parsed page `root` into `found`: the reference walk, in Python.

    Speed: one `iterwalk` whose loop does the least per element: a tag's kind is one dict lookup
    (`_KINDS`); only paragraph-level elements get a frame, which shares its parent's context
    unless the element changes it; an inline element only adds its text; a block's text is
    joined and its white space collapsed once, when the block ends; class/id/role values are read
    through a memo (`_attrs_of`); subtrees without readable text (`SKIP_TAGS`) are never entered.
    """
    from lxml import etree

    kinds = _kinds()
    # `owner` is the frame that owns text at this point; `owners` holds, per open element, the
    # owner to restore when it ends (a section heading changes its parent's owner, `section_tokens`)
    owner = _ROOT
    owners: list[_Frame] = [_ROOT]
    open_kinds: list[int] = [_INLINE]
    serial = max_depth = 0
    links = 0  # open <a> elements
    anchors = 0  # <a> elements started since the last block ended
    link_chars = 0
    buffer: list[str] = []
    append = buffer.append
    raws = found.raws
    candidates, parents = found.candidates, found.parents
    attrs_memo = _ATTRS

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, node in walker:
        if event == "end":
            kind = open_kinds.pop()
            if kind >= _BLOCK:
                if buffer:
                    _end_block(buffer, raws, owner, link_chars, anchors)
                    link_chars = anchors = 0
            elif kind == _LINK:
                links -= 1
            owner = owners.pop()
            if kind == _IGNORE:
                continue
            text = node.tail
            if text:
                if "\n" in text and owner[1] == "pre":
                    link_chars, anchors = _pre_lines(text, buffer, raws, owner, link_chars, anchors)
                else:
                    append(text)
                if links:
                    link_chars += len(text.strip())
            continue
        tag = node.tag
        kind = kinds.get(tag, _INLINE)
        owners.append(owner)
        open_kinds.append(kind)
        if kind == _IGNORE:
            continue
        depth = len(owners) - 1
        if depth > max_depth:
            max_depth = depth
        if kind < _BLOCK:
            if kind == _LINK:
                links += 1
                anchors += 1
                itemprop = node.get("itemprop")
                if itemprop:
                    _read_itemprop(node, itemprop, found)
            elif kind == _SKIP:
                if tag == "head":
                    for child in node.iter("meta", "title", "script"):
                        _read_meta(child, child.tag, found)
                elif tag == "script":
                    _read_meta(node, tag, found)
                walker.skip_subtree()
                continue
            elif kind == _META:
                _read_meta(node, tag, found)
            elif kind == _SPAN:
                itemprop = node.get("itemprop")
                if itemprop:
                    _read_itemprop(node, itemprop, found)
            text = node.text
        else:
            if buffer:
                _end_block(buffer, raws, owner, link_chars, anchors)
                link_chars = anchors = 0
            serial += 1
            parent = owner
            if kind == _SUBHEADING:
                section = section_tokens(node)
                if section:
                    # the heading and what follows it in its parent are the section it names
                    owner = owners[-1] = parent = (
                        *parent[:4],
                        parent[4] + tuple((depth, t, serial) for t in section),
                        parent[5],
                    )
                    candidates[serial] = (depth, False, False)
                    parents[serial] = parent[5]
            elif kind == _VOID:  # ends a block and holds no text: no frame of its own
                continue
            tokens = parent[4]
            counted = parent[5]
            if kind >= _ATTR_BLOCK:
                get = node.get
                value = get("class")
                ident = get("id")
                role = get("role")
                if ident is not None or role is not None:
                    value = " ".join(filter(None, (value, ident, role)))
                named = carries = False
                if value:
                    known = attrs_memo.get(value) or _attrs_of(value)
                    new, named = known
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
                container = kind == _CONTAINER
                if container or carries:
                    parents[serial] = counted
                    counted = serial
                    candidates[serial] = (depth, named or tag == "article" or tag == "main", container)
            context = parent[3]
            if tag in _CONTEXT_TAGS:
                heading, in_list, in_table, group = context
                context = (
                    HEADINGS.get(tag, heading),
                    in_list or tag in LIST_ITEMS,
                    in_table or tag in CELLS,
                    serial if tag in GROUPS else group,
                )
            owner = (depth, tag, serial, context, tokens, counted)
            text = node.text
        if text:
            if "\n" in text and owner[1] == "pre":
                link_chars, anchors = _pre_lines(text, buffer, raws, owner, link_chars, anchors)
            else:
                append(text)
            if links:
                link_chars += len(text.strip())
    if buffer:
        _end_block(buffer, raws, owner, link_chars, anchors)
    found.max_depth = max_depth


_COMPILED: dict = {}


def compiled() -> bool:
    """Whether this install built the compiled walk (`cleaner/extract/_walk.pyx`); `cleaner --version` says."""
    return _compiled("walk_root", walk_tree) is not walk_tree


def _compiled(name: str, fallback):
    """The compiled twin of `fallback` (`cleaner.extract._walk.<name>`) if the install built it, else `fallback`."""
    known = _COMPILED.get(name)
    if known is None:
        try:
            from cleaner.extract import _walk

            known = _COMPILED[name] = getattr(_walk, name)
        except ImportError:
            known = _COMPILED[name] = fallback
    return known


def _end_block(buffer: list[str], raws: list[_Raw], owner: _Frame, link_chars: int, anchors: int) -> None:
    """End the block `owner` owns: the text gathered in `buffer` becomes one raw block, its white space
    collapsed (none if it is only white space), and `buffer` is emptied. The caller resets its counts."""
    text = buffer[0] if len(buffer) == 1 else "".join(buffer)
    buffer.clear()
    if not text.isspace():
        text = " ".join(text.split())
        if text:
            raws.append((text, owner, min(link_chars, len(text)), anchors))


def _pre_lines(
    text: str, buffer: list[str], raws: list[_Raw], owner: _Frame, link_chars: int, anchors: int
) -> tuple[int, int]:
    """Text inside ``<pre>``: each line ends a block (as `walk` ends one); the link characters
    and anchors counted since the last block (reset when a line ends one)."""
    for i, line in enumerate(text.split("\n")):
        if i and buffer:
            _end_block(buffer, raws, owner, link_chars, anchors)
            link_chars = anchors = 0
        buffer.append(line)
    return link_chars, anchors


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
        text, frame, link_chars, _ = raw
        words = text.count(" ") + 1
        _, in_list, in_table, group = frame[3]
        listed = group >= 0 and in_list and not in_table  # in a list, not in a (layout) table
        if listed and _linked_headline(raw):
            story_lists.add(group)
        prose = (
            link_chars < 0.5 * len(text)
            and ((words >= 8 and text[-1] in _ENDS) or words >= 25)
            and not (listed and group in story_lists)
            and not (previous is not None and previous[1][3][3] == group and _linked_headline(previous))
        )
        if prose:
            total_prose += words
        counted = frame[5]
        if counted >= 0:
            bucket = prose_in if prose else junk_in
            bucket[counted] = bucket.get(counted, 0) + words
            if counted not in first:
                first[counted] = index
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
    text, _, link_chars, anchors = raw
    words = text.count(" ") + 1
    return (
        link_chars >= min_density * len(text)
        and min_words <= words <= max_words
        and words >= min_words * anchors  # a headline's link holds words, a share button one
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
        if _COMMENTS_LABEL.fullmatch(raws[index][0]) and raws[index][2] < 0.5 * len(raws[index][0])
    }


def is_furniture(prose: int, junk: int, total_prose: int, *, min_words: int = 20, min_share: float = 0.3) -> bool:
    """Whether an element named for furniture is furniture, from the prose and other words inside
    it (`word_counts`): it is unless it mostly holds prose that is a good part (`min_share`) of
    the page's prose, as a page builder's "widget" wrapped around the article text does.

    Must not spare a box because it holds a few sentences of prose of its own: an author's bio,
    a photo caption, a disclaimer, a related story's summary."""
    return prose < min_words or prose <= junk or prose < min_share * total_prose


def kept_tokens(
    frame_tokens: tuple[tuple[int, str, int], ...],
    cut: int,
    furniture: dict[int, bool],
    counts: tuple[dict[int, int], dict[int, int], int],
) -> tuple[str, ...]:
    """The tokens of a block's ancestors that it carries: those of elements deeper than `cut` (the
    container's depth inside it, -1 outside) that are `PROSE_TOKENS` or sit on furniture
    (`is_furniture`, remembered per element in `furniture`), each once, in order."""
    prose_in, junk_in, total_prose = counts
    kept = []
    for depth, token, serial in frame_tokens:
        if depth > cut:
            if token in PROSE_TOKENS:
                kept.append(token)
                continue
            known = furniture.get(serial)
            if known is None:
                known = furniture[serial] = is_furniture(prose_in.get(serial, 0), junk_in.get(serial, 0), total_prose)
            if known:
                kept.append(token)
    return tuple(dict.fromkeys(kept))


def blocks_of(found: Walk) -> list[Block]:
    """The walk's blocks with their `Markup`; `Block.line` is the paragraph number."""
    counts = _compiled("word_counts", word_counts)(found)
    container = choose_container(counts, found.candidates, threads=comment_threads(found))
    return _compiled("markup_blocks", markup_blocks)(found, counts, container)


def markup_blocks(
    found: Walk, counts: tuple[dict[int, int], dict[int, int], int], container: int | None
) -> list[Block]:
    """The blocks of `found` with their `Markup`, the article `container` chosen (the reference loop, in
    Python; `blocks_of` runs its compiled twin where it is built).

    Whether an element is inside the container is worked out once per counted element, its
    tokens once per box."""
    candidates, parents = found.candidates, found.parents
    depth_of_container = candidates[container][0] if container is not None else 0
    furniture: dict[int, bool] = {}  # serial -> `is_furniture`, for the token carriers asked about
    inside_of: dict[int, bool] = {-1: False}  # counted element -> whether it is (in) the container
    if container is not None:
        inside_of[container] = True

    def inside(counted: int) -> bool:
        path = []
        while counted not in inside_of:
            path.append(counted)
            counted = parents[counted]
        known = inside_of[counted]
        for serial in path:
            inside_of[serial] = known
        return known

    blocks = []
    markups: dict[tuple, Markup] = {}  # Markup is frozen: blocks with the same features share one
    # id(frame tokens) -> the tokens kept, for blocks inside the container and for the others:
    # the elements of one box share their ancestors' tokens
    kept_inside: dict[int, tuple[str, ...]] = {}
    kept_outside: dict[int, tuple[str, ...]] = {}
    is_inside: bool | None = None
    for i, (text, frame, link_chars, _) in enumerate(found.raws):
        depth, tag, _, context, frame_tokens, counted = frame
        if container is not None:
            is_inside = inside_of.get(counted)
            if is_inside is None:
                is_inside = inside(counted)
        tokens: tuple[str, ...] = ()
        if frame_tokens:
            kept = kept_inside if is_inside else kept_outside
            tokens = kept.get(id(frame_tokens))  # type: ignore[assignment]
            if tokens is None:
                cut = depth_of_container if is_inside else -1
                tokens = kept[id(frame_tokens)] = kept_tokens(frame_tokens, cut, furniture, counts)
        density = round(link_chars / len(text), 3) if link_chars else 0.0
        key = (tag, context, depth, density, tokens, is_inside)
        markup = markups.get(key)
        if markup is None:
            heading, in_list, in_table, group = context
            markup = markups[key] = Markup(
                tag if tag != "#root" else "body", heading, in_list, in_table, depth, density, group, tokens, is_inside
            )
        blocks.append(Block(i, i + 1, text, markup))
    return blocks
