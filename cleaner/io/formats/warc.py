"""WARC and WET archives (`.warc`, `.wet`), read with FastWARC (streaming; gzip, zstd and lz4
detected by content, so these formats take no `.gz`/`.zst` handling of their own).

Pages come from
* ``response`` (and ``resource``) records whose payload is HTML — an HTTP
  ``Content-Type`` of ``text/html`` or ``application/xhtml+xml``, or no type
  and a payload that starts with ``<`` — and whose HTTP status is 2xx:
  kind "html";
* ``conversion`` records (Common Crawl WET): kind "text".

Everything else (requests, metadata, images, PDFs, redirects, errors) is
skipped silently. A record whose payload is over the page limit is reported and skipped
without being read. `Page.id` is the WARC-Record-ID without its angle brackets,
`Page.url` the WARC-Target-URI, and `metadata` holds ``warc_date``.

A broken record is reported and the reader resynchronises on the next record
header; a file that ends inside a record (a truncated download) is reported
once, and the run goes on with the next file.
"""

from __future__ import annotations

from collections.abc import Iterator

from cleaner.document import Page
from cleaner.io import fs
from cleaner.io.base import Format, InputFile, Item, Limits, MissingDependency, ReadIssue, too_big
from cleaner.io.decoding import decode_html, decode_utf8, looks_binary

HTML_TYPES = ("text/html", "application/xhtml+xml")


def _fastwarc():
    try:
        from fastwarc.warc import ArchiveIterator, WarcRecordType
    except ImportError:
        raise MissingDependency("reading WARC/WET files needs FastWARC: pip install fastwarc") from None
    return ArchiveIterator, WarcRecordType


def _open(entry: InputFile):
    """A local path as is (FastWARC reads it fastest), a remote file as a pyarrow random-access file
    (FastWARC asks a stream for its position)."""
    return entry.where if not fs.is_uri(entry.where) else fs.open_input_file(entry.where)


def read_warc(entry: InputFile, config, limits: Limits) -> Iterator[Item]:
    """Yield the pages of one WARC or WET file (see the module docstring)."""
    archive_iterator, types = _fastwarc()
    wanted = types.response | types.resource | types.conversion
    seen = 0
    try:
        for record in archive_iterator(_open(entry), record_types=wanted, parse_http=True):
            seen += 1
            items = _record_items(entry, record, limits)
            if items is None:
                yield ReadIssue(entry.path, f"truncated: the file ends inside record {seen} ({_rid(record)})")
                return
            yield from items
        return
    except OSError as exc:
        if seen == 0:
            yield ReadIssue(entry.path, f"not a WARC file, or its first record is broken: {exc}")
        else:
            yield ReadIssue(entry.path, f"invalid WARC record after record {seen}: {exc}; skipping to the next one")
    # Resynchronise: read again leniently, skipping the records already yielded.
    try:
        lenient = archive_iterator(
            _open(entry), record_types=wanted, parse_http=True, quirks_mode=True, strict_mode=False
        )
        for n, record in enumerate(lenient, start=1):
            if n <= seen:
                continue
            items = _record_items(entry, record, limits)
            if items is None:
                yield ReadIssue(entry.path, f"truncated: the file ends inside record {n} ({_rid(record)})")
                return
            yield from items
    except OSError as exc:
        yield ReadIssue(entry.path, f"invalid WARC data, rest of the file skipped: {exc}")


def _rid(record) -> str:
    return (record.record_id or "").strip().strip("<>")


def _record_items(entry: InputFile, record, limits: Limits) -> list[Item] | None:
    """The page (and warnings) one record gives, [] for a record that is no page, None when the
    record is cut short by the end of the file."""
    rid = _rid(record)
    where = f"{entry.path}#{rid or record.stream_pos}"
    headers = record.headers
    url = (headers.get("WARC-Target-URI") or "").strip().strip("<>") or None
    metadata = {"warc_date": headers.get("WARC-Date")}
    page_id = rid or f"{entry.id}@{record.stream_pos}"
    name = str(record.record_type)
    if record.content_length > limits.page_bytes:
        return [ReadIssue(where, too_big(limits.page_bytes))]
    if name == "conversion":
        payload = record.reader.read()
        if len(payload) < record.content_length:
            return None
        if looks_binary(payload):
            return [ReadIssue(where, "binary data in a WET conversion record")]
        text, replaced = decode_utf8(payload)
        if why := limits.line_issue(text):
            return [ReadIssue(where, why)]
        page = Page(id=page_id, source=entry.path, content=text, kind="text", url=url, metadata=metadata)
        return [ReadIssue(where, "invalid UTF-8 replaced with U+FFFD", fatal=False), page] if replaced else [page]
    if record.is_http:
        status = record.http_headers.status_code
        if status is None or not 200 <= status < 300:
            return []
        content_type = (record.http_content_type or "").lower()
        charset = record.http_charset
    else:
        content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        charset = None
    if content_type and content_type not in HTML_TYPES:
        return []
    payload = record.reader.read()
    if len(payload) < record.content_length:
        return None
    if not content_type and payload.lstrip()[:1] != b"<":
        return []
    if looks_binary(payload):
        return [ReadIssue(where, f"binary payload with an HTML content type ({content_type or 'none'})")]
    text, warning = decode_html(payload, charset)
    page = Page(id=page_id, source=entry.path, content=text, kind="html", url=url, metadata=metadata)
    return [ReadIssue(where, warning, fatal=False), page] if warning else [page]


FORMATS = (
    Format("warc", (".warc",), read_warc, ids_from_file=False),
    Format("wet", (".wet",), read_warc, ids_from_file=False),
)
