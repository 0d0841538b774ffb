"""Pattern heuristics for text printed twice on a page: the headline again, and any repeated block."""

from __future__ import annotations

import re
from collections.abc import Iterator

from cleaner.heuristics.markup import content_list_item
from cleaner.heuristics.view import View, text_flag


def title_repeat(view: View, *, max_words: int = 40) -> Iterator[tuple[int, str]]:
    """The headline printed again (meta title, share box, sticky header): a short block printed
    before the first prose paragraph whose folded text comes back later; later copies go.

    Compares folded text (case, quotes, dashes, punctuation and spacing ignored), so a repeat with
    straight quotes matches a headline with curly ones. Must not remove the first occurrence, nor a
    copy that ends in a colon: that one introduces a list ("Dare to Play 3:" over its features).
    """
    first_prose = next((i for i, prose in enumerate(view.prose) if prose and view.alive(i)), len(view))  # is_prose
    heads: dict[str, int] = {}
    for i in range(first_prose):
        if view.alive(i) and 2 <= view.words[i] <= max_words:
            heads.setdefault(view.keys[i], i)
    heads.pop("", None)
    if not heads:
        return
    for i in [i for i, key in enumerate(view.keys) if key in heads]:
        first = heads[view.keys[i]]
        if first < i and view.words[i] <= max_words and view.alive(i) and not view.texts[i].endswith(":"):
            yield i, f"repeats the headline (block {first})"


_MORE_AT_END = text_flag(lambda f: f.text[-4:].lower() == "more")


def repeated_block(view: View, *, min_chars: int = 2) -> Iterator[tuple[int, str]]:
    """A block repeated within the page (a sidebar story listed twice, a label printed in
    two menus): copies after the first occurrence go; the first stays for the other heuristics
    to judge. So does a copy cut short with a "... more" toggle just after the whole text (an
    expandable caption printed twice).

    Must not catch short punctuation-only separators ("***"): folded text must be non-empty, nor
    an item of a list or table inside the article (a meal plan repeats on purpose), nor a line
    ending in a colon (it introduces what follows: a list stays a list only with its introduction).
    """
    seen: dict[str, int] = {}
    toggles = view.flagged(_MORE_AT_END)
    for i, key in enumerate(view.keys):
        if len(key) < min_chars:
            continue
        if key in seen:
            if view.alive(i) and not content_list_item(view, i) and not view.texts[i].endswith(":"):
                yield i, f"repeats block {seen[key]}"
        else:
            seen[key] = i
            if i in toggles and i and view.alive(i) and _toggled_copy(view.texts[i - 1], view.texts[i]):
                yield i, f"shortened copy of block {i - 1} (a more/less toggle)"


_MORE = re.compile(r"\s*(?:\.\.\.|…)\s*(?:more|read more|show more)\s*$", re.IGNORECASE)
_LESS = re.compile(r"\s+(?:less|show less)\s*$", re.IGNORECASE)


def _toggled_copy(before: str, text: str, *, min_chars: int = 40) -> bool:
    """`text` is `before` cut short with a "... more" toggle: a caption or summary printed twice,
    whole (with its "less" toggle) and shortened."""
    more = _MORE.search(text)
    if more is None:
        return False
    head = text[: more.start()].rstrip()
    whole = _LESS.sub("", before)
    return len(head) >= min_chars and len(head) < len(whole) and whole.startswith(head)
