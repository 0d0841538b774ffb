"""JSON Lines (`.jsonl`, `.ndjson`): one page per line; see `cleaner.io.records` for the fields.

A line longer than the page limit is skipped while it is read (never held whole); a line that is
not a JSON object, holds an integer of more than 4,300 digits, or lacks its text is reported and
skipped alone — the rest of the file is read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from cleaner.document import Page
from cleaner.io.base import Format, InputFile, Item, Limits, ReadIssue, too_big
from cleaner.io.compression import iter_lines
from cleaner.io.decoding import decode_utf8
from cleaner.io.records import record_items

# A record may carry its text JSON-escaped (6 bytes for one escaped character), so the raw line
# limit is looser than the page limit; the decoded text is checked against the page limit.
ESCAPE_ALLOWANCE = 6
MAX_DIGITS = 4300


def read_jsonl(entry: InputFile, config, limits: Limits) -> Iterator[Item]:
    for number, raw in iter_lines(entry, limits.page_bytes * ESCAPE_ALLOWANCE):
        where = f"{entry.path}:{number}"
        if raw is None:
            yield ReadIssue(where, too_big(limits.page_bytes))
            continue
        if raw.strip():
            yield from _record(entry, config, limits, number, raw)


def _record(entry: InputFile, config, limits: Limits, number: int, raw: bytes) -> Iterator[Item]:
    where = f"{entry.path}:{number}"
    text, replaced = decode_utf8(raw)
    try:
        record = json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        yield ReadIssue(where, f"invalid JSON: {exc.msg} (column {exc.colno})")
        return
    except RecursionError:
        yield ReadIssue(where, "invalid JSON: nested too deeply")
        return
    except ValueError as exc:  # _parse_int's refusal
        yield ReadIssue(where, f"invalid JSON: {exc}")
        return
    if not isinstance(record, dict):
        yield ReadIssue(where, f"not a JSON object (a {type(record).__name__})")
        return
    items = list(
        record_items(record, config, limits, default_id=f"{entry.id}:{number}", source=entry.path, where=where)
    )
    if replaced and isinstance(items[-1], Page):
        yield ReadIssue(where, "invalid UTF-8 replaced with U+FFFD", fatal=False)
    yield from items


def _parse_int(digits: str) -> int:
    """An integer of the record; one beyond Python's limit of 4,300 digits loses its record only."""
    size = len(digits.lstrip("-"))
    if size > MAX_DIGITS:
        raise ValueError(f"an integer of {size} digits (at most {MAX_DIGITS} are read)")
    return int(digits)


FORMATS = (Format("jsonl", (".jsonl", ".ndjson"), read_jsonl),)
