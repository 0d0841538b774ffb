"""Records (a JSON object, a Parquet row) to pages: which field is the text, the id, the url, and
what goes to metadata. Shared by the JSON Lines and Parquet formats."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cleaner.document import Page
from cleaner.io.base import Item, Limits, ReadIssue, too_big
from cleaner.io.decoding import repair_surrogates


def record_items(
    record: dict[str, Any], config: Any, limits: Limits, *, default_id: str, source: str, where: str
) -> Iterator[Item]:
    """The page of one record (after a warning when lone surrogates were replaced), or why not."""
    record, repaired = repair_surrogates(record)
    item = record_to_page(record, config, default_id=default_id, source=source, where=where)
    if isinstance(item, Page):
        if len(item.content) > limits.page_bytes:
            yield ReadIssue(where, too_big(limits.page_bytes))
            return
        if item.kind == "text" and (why := limits.line_issue(item.content)):
            yield ReadIssue(where, why)
            return
        if repaired:
            yield ReadIssue(where, "lone surrogate (half a UTF-16 pair) replaced with U+FFFD", fatal=False)
    yield item


def record_to_page(record: dict[str, Any], config: Any, *, default_id: str, source: str, where: str) -> Item:
    """Make a page from one record (a JSON object or a Parquet row), or say why not.

    The text column is the dump; without it, an ``html`` field is read as HTML. The id column is
    kept verbatim (a string or an integer), else `default_id`; every other field goes to metadata.
    """
    text_key, id_key, url_key = config.text_column, config.id_column, config.url_column
    text, kind = record.get(text_key), "text"
    if text is None and isinstance(record.get("html"), str):
        text, kind = record["html"], "html"
    if text is None:
        missing = f"{text_key!r} is null" if text_key in record else f"no {text_key!r} field in the record"
        return ReadIssue(where, missing)
    if not isinstance(text, str):
        return ReadIssue(where, f"{text_key!r} is not a string (a {type(text).__name__})")
    raw_id = record.get(id_key)
    if raw_id is None:
        page_id = default_id
    elif isinstance(raw_id, str):
        page_id = raw_id
    elif isinstance(raw_id, int) and not isinstance(raw_id, bool):
        page_id = str(raw_id)
    else:
        return ReadIssue(where, f"{id_key!r} must be a string or an integer, not {type(raw_id).__name__}")
    url = record.get(url_key)
    url = None if url is None or url == "" else str(url)
    skip = {text_key, id_key, url_key, "html"}
    metadata = {k: v for k, v in record.items() if k not in skip}
    return Page(id=page_id, source=source, content=text, kind=kind, url=url, metadata=metadata)
