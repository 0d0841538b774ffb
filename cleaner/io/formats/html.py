"""HTML files (`.html`, `.htm`): one page per file, decoded by `decode_html`, the url from
``<link rel="canonical">`` or ``og:url``."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator

from cleaner.document import Page
from cleaner.io.base import Format, InputFile, Item, Limits, ReadIssue, too_big
from cleaner.io.compression import read_bounded
from cleaner.io.decoding import binary_kind, decode_html, is_utf16
from cleaner.io.formats.txt import binary_message


def read_html(entry: InputFile, config, limits: Limits) -> Iterator[Item]:
    data = read_bounded(entry, limits.page_bytes)
    if data is None:
        yield ReadIssue(entry.path, too_big(limits.page_bytes))
        return
    if not data.strip():
        yield ReadIssue(entry.path, "empty file", fatal=False)
        return
    if not is_utf16(data) and (kind := binary_kind(data)):
        yield ReadIssue(entry.path, binary_message(kind, "HTML"))
        return
    text, issue = decode_html(data)
    if issue:
        yield ReadIssue(entry.path, issue, fatal=False)
    yield Page(id=entry.id, source=entry.path, content=text, kind="html", url=find_page_url(text))


_TAG_RE = re.compile(r"<(link|meta)\b([^>]*)>", re.IGNORECASE)
_ATTR_RE = re.compile(r"""([^\s=/>"']+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")


def find_page_url(html: str) -> str | None:
    """The page's own URL from ``<link rel="canonical">``, else ``<meta property="og:url">``.

    Only absolute http(s) URLs count (a protocol-relative one gets ``https:``); the search
    stops at ``</head>`` or after 256 KB so a huge page costs little.

    >>> find_page_url('<head><link href="https://ex.com/a?b=1&amp;c=2" rel="canonical"></head>')
    'https://ex.com/a?b=1&c=2'
    """
    end = html.lower().find("</head>", 0, 1 << 18)
    head = html[: end if end >= 0 else 1 << 18]
    canonical = og = None
    for tag in _TAG_RE.finditer(head):
        attrs: dict[str, str] = {}
        for m in _ATTR_RE.finditer(tag.group(2)):
            attrs.setdefault(m.group(1).lower(), m.group(2) or m.group(3) or m.group(4) or "")
        if tag.group(1).lower() == "link":
            if canonical is None and "canonical" in attrs.get("rel", "").lower().split():
                canonical = _absolute(attrs.get("href", ""))
        elif og is None and "og:url" in (attrs.get("property", "").lower(), attrs.get("name", "").lower()):
            og = _absolute(attrs.get("content", ""))
    return canonical or og


def _absolute(url: str) -> str | None:
    url = html_lib.unescape(url).strip()
    if url.startswith("//"):
        url = "https:" + url
    if url.lower().startswith(("http://", "https://")) and len(url) > 8:
        return url
    return None


FORMATS = (Format("html", (".html", ".htm"), read_html),)
