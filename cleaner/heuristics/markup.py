"""Markup-aware heuristics: what the DOM says about a block, where the DOM extractor gave it.

Blocks from the DOM extractor carry a `Markup` (see `cleaner.document.Markup`); blocks of a
text dump (or from ``--extractor trafilatura``) carry None, and every function here then finds
nothing, so the text heuristics decide alone. Three uses:

* `markup_boilerplate` removes blocks under an element whose tag, class, id or role names page
  furniture (nav, menu, footer, sidebar, related, comment, share, newsletter, ad...): inside the
  article container only the tokens of elements below the container count, so a wrapper named
  ``page-with-sidebar`` around the whole article cannot take it;
* `link_block` removes short blocks made of link text (menus, related headlines, tag lists, a
  list whose items link to other pages);
* `article_span` gives the region finder the article container, and `content_list_item` tells
  the list heuristics (`link-list`, `repeated-block`) that an item of a list or table inside the
  article that is not link text is content: award nominees, recipe steps, a meal plan whose
  items repeat on purpose.
"""

from __future__ import annotations

from collections.abc import Iterator

from cleaner.document import Markup
from cleaner.heuristics.view import View

#: tokens that mark furniture even inside the article container
STRONG_TOKENS = frozenset(
    [
        "nav",
        "menu",
        "footer",
        "sidebar",
        "related",
        "recommend",
        "comment",
        "share",
        "sharing",
        "social",
        "newsletter",
        "subscri",
        "promo",
        "ad",
        "advert",
        "sponsor",
        "banner",
        "breadcrumb",
        "cookie",
        "widget",
        "popup",
        "modal",
        "toolbar",
        "pagination",
        "pager",
        "tag",
        "disqus",
        "outbrain",
        "taboola",
        "trending",
        "popular",
        "most-read",
        "more-stories",
        "read-more",
        "login",
        "signup",
        "author-bio",
        "aside",
        "caption",
    ]
)
#: tokens that mark furniture even inside the article container, forms included (a poll is no article text)
FURNITURE_IN_ARTICLE = STRONG_TOKENS | {"form"}
#: tokens that mark furniture only outside the article container (an article has its own header)
WEAK_TOKENS = frozenset({"header", "form", "masthead", "skip"})


def markup_of(view: View, i: int) -> Markup | None:
    return view.doc.blocks[i].markup


def markup_boilerplate(view: View) -> Iterator[tuple[int, str]]:
    """Blocks under page furniture by their markup: a furniture token (`STRONG_TOKENS`, and
    outside the article container `WEAK_TOKENS` too) on an ancestor's tag, class, id or role.

    Must not take the headline (an ``h1``), nor, on a page without an article container, a
    sentence-like paragraph (the tokens then come from every ancestor, wrappers included).
    """
    details: dict[int, str | None] = {}  # id(markup) -> the detail, or None: blocks share their Markup
    alive = view.alive
    for i, block in enumerate(view.doc.blocks):
        markup = block.markup
        if markup is None:
            return
        if not markup.tokens or markup.heading == 1 or not alive(i):
            continue
        if markup.in_article is None and view.is_prose(i):
            continue
        key = id(markup)
        if key in details:
            detail = details[key]
        else:
            weak_ok = markup.in_article is not True
            hit = next((t for t in markup.tokens if t in STRONG_TOKENS or (weak_ok and t in WEAK_TOKENS)), None)
            detail = details[key] = None if hit is None else f"inside <{markup.tag}> under a '{hit}' element"
        if detail is not None:
            yield i, detail


def link_block(view: View, *, min_density: float = 0.8, max_words: int = 25) -> Iterator[tuple[int, str]]:
    """A short block whose text is mostly link text (`min_density` of its characters, at most
    `max_words` words): a menu entry, a related headline, a tag, a list item that links to
    another page.

    Must not take a paragraph with a few inline links, nor a heading.
    """
    for i, block in enumerate(view.doc.blocks):
        markup = block.markup
        if markup is None:
            return
        if markup.link_density >= min_density and view.words[i] <= max_words and not markup.heading and view.alive(i):
            yield i, f"{markup.link_density:.0%} link text"


def article_span(view: View) -> tuple[int, int] | None:
    """First and last live block inside the article container (None without markup or container)."""
    first = last = None
    for i, block in enumerate(view.doc.blocks):
        markup = block.markup
        if markup is None:
            return None
        if markup.in_article and view.alive(i):
            if first is None:
                first = i
            last = i
    return None if first is None or last is None else (first, last)


def content_list_item(view: View, i: int, *, max_density: float = 0.5) -> bool:
    """True for an item of a list or table inside the article container whose text is not
    mostly link text: content the list heuristics must leave alone."""
    markup = view.doc.blocks[i].markup
    return (
        markup is not None
        and markup.in_article is True
        and (markup.in_list or markup.in_table)
        and markup.link_density < max_density
        and not (set(markup.tokens) & STRONG_TOKENS)
    )


def _article_prose(view: View, i: int, *, live: bool = True) -> bool:
    """A prose block inside the article container and under no furniture element (and alive,
    with `live`)."""
    markup = view.doc.blocks[i].markup
    return (
        markup is not None
        and markup.in_article is True
        and view.prose[i]
        and not (set(markup.tokens) & STRONG_TOKENS)
        and (not live or view.alive(i))
    )


_DEPTH_MEMO: list = [None, None]  # (view, its paragraph depth): the heuristics read one view at a time


def paragraph_depth(view: View) -> int | None:
    """The depth at which most of the article container's prose words sit (the article's own
    paragraphs), or None without markup or article prose; the same for every round of one view."""
    if _DEPTH_MEMO[0] is view:
        return _DEPTH_MEMO[1]
    by_depth: dict[int, int] = {}
    for j in range(len(view)):
        if _article_prose(view, j, live=False):
            depth = view.doc.blocks[j].markup.depth  # type: ignore[union-attr]
            by_depth[depth] = by_depth.get(depth, 0) + view.words[j]
    found = max(by_depth, key=lambda d: (by_depth[d], -d)) if by_depth else None
    _DEPTH_MEMO[:] = [view, found]
    return found


def article_continues(view: View, i: int, *, min_words: int = 30, window: int = 25) -> bool:
    """True when the article's own paragraphs go on right after block `i`: the next live prose
    block (within `window` blocks) is article prose (`_article_prose`) at the article's paragraph
    depth (`paragraph_depth`), and at least `min_words` words of such prose follow. A section label
    ("Related", "Trending News") there heads a box embedded in the article, not its end.

    Must not hold on a page without markup or article container, nor when what follows the label
    is prose at another depth (a comment thread, a list of other stories' summaries).
    """
    markup = view.doc.blocks[i].markup
    if markup is None or markup.in_article is not True:
        return False
    depth = paragraph_depth(view)

    def at_depth(j: int) -> bool:
        return _article_prose(view, j) and view.doc.blocks[j].markup.depth == depth  # type: ignore[union-attr]

    following = next((j for j in range(i + 1, min(len(view), i + 1 + window)) if view.alive(j) and view.prose[j]), None)
    if following is None or not at_depth(following):
        return False
    return sum(view.words[j] for j in range(following, len(view)) if at_depth(j)) >= min_words


def article_text(view: View, i: int, *, max_density: float = 0.5) -> bool:
    """True for a block inside the article container, under no furniture element, that is not
    mostly link text: the article's own text, whatever its length or punctuation (a list item, a
    paragraph that a pagination link cut short). Teasers of other stories are links, or sit
    outside the container.

    Must not hold on a page without markup or container.
    """
    markup = view.doc.blocks[i].markup
    return (
        markup is not None
        and markup.in_article is True
        and markup.link_density < max_density
        and not (set(markup.tokens) & FURNITURE_IN_ARTICLE)
    )


def article_line(view: View, i: int, *, max_density: float = 0.5) -> bool:
    """True for a short line the article itself holds: the headline (``h1``), or a block at the
    article's paragraph depth (`paragraph_depth`) that is `article_text`: the tour dates, product
    names or steps an author wrote as one short paragraph each. The list heuristics must leave
    it alone.

    Must not hold for a subheading of a box (a deeper element) nor on a page without markup.
    """
    markup = view.doc.blocks[i].markup
    if markup is None:
        return False
    if markup.heading == 1:
        return True
    at_depth = markup.heading == 0 and markup.depth == paragraph_depth(view)
    return at_depth and article_text(view, i, max_density=max_density)
