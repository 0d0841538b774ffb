"""Text dumps (`.txt`): one page per file, the file's text verbatim (a UTF-8 BOM dropped; UTF-16
read by its byte-order mark; bad UTF-8 bytes replaced with U+FFFD, with a warning)."""

from __future__ import annotations

from collections.abc import Iterator

from cleaner.document import Page
from cleaner.io.base import Format, InputFile, Item, Limits, ReadIssue, too_big
from cleaner.io.compression import read_bounded
from cleaner.io.decoding import binary_kind, decode_utf8, is_utf16


def read_txt(entry: InputFile, config, limits: Limits) -> Iterator[Item]:
    data = read_bounded(entry, limits.page_bytes)
    if data is None:
        yield ReadIssue(entry.path, too_big(limits.page_bytes))
        return
    text = None
    for item in decode_dump(entry, data, "a text dump"):
        if isinstance(item, str):
            text = item
        else:
            yield item
    if text is None:
        return
    if why := limits.line_issue(text):
        yield ReadIssue(entry.path, why)
        return
    yield Page(id=entry.id, source=entry.path, content=text, kind="text")


def decode_dump(entry: InputFile, data: bytes, what: str) -> Iterator[ReadIssue | str]:
    """Checks for a one-page file: empty, binary, UTF-16, invalid UTF-8. Yields issues, then the
    text as its last item (nothing when the file is skipped)."""
    if not data.strip():
        yield ReadIssue(entry.path, "empty file", fatal=False)
        return
    if is_utf16(data):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            yield ReadIssue(entry.path, f"binary file, not {what}")
            return
        yield ReadIssue(entry.path, "decoded as UTF-16 (byte-order mark)", fatal=False)
        yield text
        return
    if kind := binary_kind(data):
        yield ReadIssue(entry.path, binary_message(kind, what))
        return
    text, replaced = decode_utf8(data)
    if replaced:
        yield ReadIssue(entry.path, "invalid UTF-8 replaced with U+FFFD", fatal=False)
    yield text


def binary_message(kind: str, what: str) -> str:
    if kind == "binary data":
        return f"binary file, not {what}"
    hint = {"gzip data": " (name it .gz to read it)", "zstd data": " (name it .zst to read it)"}.get(kind, "")
    return f"binary file ({kind}), not {what}{hint}"


FORMATS = (Format("txt", (".txt",), read_txt),)
