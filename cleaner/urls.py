"""The parts of a page URL the stages read: its host and its path. One parser, one guard.

A URL may come without a scheme ("example.com/a") and may be malformed ("http://[bad"): both are
handled here, never by the caller. Depends on nothing else in the package.
"""

from __future__ import annotations

from urllib.parse import SplitResult, unquote, urlsplit


def _split(url: str | None) -> SplitResult | None:
    if not url:
        return None
    try:
        return urlsplit(url if "//" in url else "//" + url)
    except ValueError:
        return None


def url_host(url: str | None) -> str:
    """The host, lower-cased, without a leading "www." ("" when there is none or the URL is malformed).

    >>> url_host("https://WWW.Example.com:8080/x"), url_host("example.com/a"), url_host("http://[bad")
    ('example.com', 'example.com', '')
    """
    parts = _split(url)
    return (parts.hostname or "").lower().removeprefix("www.") if parts else ""


def url_path(url: str | None) -> str:
    """The path, percent-decoded ("" when there is none or the URL is malformed)."""
    parts = _split(url)
    return unquote(parts.path) if parts else ""


__all__ = ["url_host", "url_path"]
