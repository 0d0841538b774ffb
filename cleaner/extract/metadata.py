"""What a page says about itself: title, author, publication date, site name.

Read from what the DOM walk collected (`dom.Walk`: ``<meta>`` tags, Open Graph, JSON-LD,
``itemprop`` values, ``<time datetime>``, ``<title>``), in the same parse as the blocks: no
second pass over the page. With ``--extractor trafilatura`` the values come from trafilatura's
own metadata instead (`from_trafilatura`, from the same extraction call). Dates are given as
``YYYY-MM-DD`` (what trafilatura gives too), read by the same function as a dump's dateline
(`widgets.first_date`: ISO values and dates written out); a value that cannot be read as a
date is left out rather than guessed.

Must not: invent a value. Every field is None when the page does not say.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from cleaner.document import PageInfo
from cleaner.heuristics.widgets import first_date

_TITLE_KEYS = ("og:title", "twitter:title", "dc.title", "title", "headline")
_AUTHOR_KEYS = ("author", "article:author", "dc.creator", "byl", "sailthru.author", "parsely-author", "twitter:creator")
_DATE_KEYS = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "dc.date.issued",
    "dc.date",
    "date",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "published_time",
    "og:updated_time",
    "article:modified_time",
)
_SITE_KEYS = ("og:site_name", "application-name", "twitter:site")
_ARTICLE_TYPES = ("article", "newsarticle", "blogposting", "reportagenews", "webpage", "report", "analysisnewsarticle")
_SPACE = re.compile(r"\s+")


def page_info(found: Any) -> PageInfo:
    """The page's title, author, date and site name from a `dom.Walk` (see the module doc).

    Order of trust per field: JSON-LD of an article, then ``<meta>`` (Open Graph, Dublin Core,
    name=author...), then ``itemprop`` values, then the first ``<time datetime>`` (date) or
    ``<title>`` (title).
    """
    metas: dict[str, str] = {}
    for name, content in found.metas:
        metas.setdefault(name, content)
    ld = _json_ld_article(found.json_ld)
    props: dict[str, str] = {}
    for name, value in found.itemprops:
        props.setdefault(name, value)
    title = _first(ld.get("headline"), *(metas.get(k) for k in _TITLE_KEYS), props.get("headline"), found.title)
    author = _first(
        _person(ld.get("author")), *(_not_url(metas.get(k)) for k in _AUTHOR_KEYS), _person(props.get("author"))
    )
    date = _first_date(
        ld.get("datePublished"), *(metas.get(k) for k in _DATE_KEYS), props.get("datePublished"), *found.times[:3]
    )
    sitename = _first(_person(ld.get("publisher")), *(metas.get(k) for k in _SITE_KEYS))
    if sitename and sitename.startswith("@"):
        sitename = sitename[1:] or None
    return PageInfo(title, author, date, sitename)


def from_trafilatura(meta: Any) -> PageInfo:
    """The metadata of trafilatura's result document (`bare_extraction(with_metadata=True)`)
    as a `PageInfo` (the ``--extractor trafilatura`` path)."""
    return PageInfo(
        _clean(meta.title),
        _clean(meta.author),
        _first_date(meta.date),
        _clean(meta.sitename),
    )


def _first(*values: Any) -> str | None:
    for value in values:
        value = _clean(value)
        if value:
            return value
    return None


def _first_date(*values: Any) -> str | None:
    """The date of the first value that holds one (`widgets.first_date`, compact values included:
    a field named for a date holds one, "20190307" too)."""
    for value in values:
        date = first_date(value[:60], compact=True) if isinstance(value, str) else None
        if date:
            return date
    return None


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = _SPACE.sub(" ", value).strip()
    return value[:500] or None


def _not_url(value: str | None) -> str | None:
    return None if value is None or value.startswith(("http://", "https://", "/")) else value


def _person(value: Any) -> str | None:
    """A JSON-LD person or organisation (or a list of them) as names joined by '; '."""
    if isinstance(value, str):
        return _not_url(value)
    if isinstance(value, dict):
        return _clean(value.get("name"))
    if isinstance(value, list):
        names = [n for n in (_person(v) for v in value[:5]) if n]
        return "; ".join(dict.fromkeys(names)) or None
    return None


def _json_ld_article(scripts: list[str]) -> dict[str, Any]:
    """The first article-like JSON-LD object on the page (or {}); bad JSON is ignored."""
    for script in scripts:
        try:
            data = json.loads(script)
        except (ValueError, RecursionError):
            continue
        for item in _objects(data, 0):
            kind = item.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and k.lower() in _ARTICLE_TYPES for k in kinds) and (
                "headline" in item or "datePublished" in item or "author" in item
            ):
                return item
    return {}


def _objects(data: Any, depth: int) -> Iterator[dict[str, Any]]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _objects(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _objects(graph, depth + 1)
